import ContinuumTesting
import Foundation
import Testing

import ContinuumProvider

/// The cloud-init seed ISO, read back by an independent ISO 9660 reader (pycdlib, from
/// PyPI, installed by scripts/test.sh) the way cloud-init finds it: volume label `cidata`,
/// files `user-data` and `meta-data`.
@Suite("cloud-init seed ISO")
struct CloudInitSeedTests {
    @Test(arguments: ["#cloud-config\nhostname: web-1\n", String(repeating: "#cloud-config\nwrite_files: []\n", count: 300), ""])
    func pycdlibReadsTheLabelAndBothFiles(userData: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let iso = directory.url.appendingPathComponent("seed.iso")
        let metaData = "instance-id: web-1-abc\nlocal-hostname: web-1\n"
        try Data(CloudInitSeed(userData: userData, metaData: metaData).image).write(to: iso)
        let script = """
            import io, json, sys, pycdlib
            iso = pycdlib.PyCdlib()
            iso.open(sys.argv[1])
            def read(path):
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, iso_path=path)
                return out.getvalue().decode()
            print(json.dumps({"label": iso.pvd.volume_identifier.decode().strip(), "user": read("/USER-DATA.;1"), "meta": read("/META-DATA.;1")}))
            """
        let output = try GitFixture.run([SushyEmulator.python, "-c", script, iso.path], in: directory.url)
        let read = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String]
        #expect(read?["label"] == "cidata")
        #expect(read?["user"] == userData)
        #expect(read?["meta"] == metaData)
    }

    @Test func theSameFilesGiveTheSameBytes() {
        let one = CloudInitSeed(userData: "a", metaData: "b").image
        #expect(one == CloudInitSeed(userData: "a", metaData: "b").image)
        #expect(one != CloudInitSeed(userData: "c", metaData: "b").image)
        #expect(one.count % CloudInitSeed.sector == 0)
    }
}
