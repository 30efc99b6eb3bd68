import Foundation

/// A cloud-init NoCloud seed: an ISO 9660 image labelled `cidata` holding `user-data` and
/// `meta-data`, written in Swift (no genisoimage on the controller's host). Plain ISO 9660
/// names (`USER-DATA.;1`), which Linux's isofs shows as `user-data`, as cloud-init reads
/// them. The bytes depend only on the files, so an unchanged seed is byte-for-byte equal.
/// Shared by the providers that hand machines their cloud-init (libvirt as a CD-ROM, Redfish
/// as virtual media).
public struct CloudInitSeed: Sendable, Hashable {
    /// The size of an ISO 9660 sector.
    public static let sector = 2048

    /// The `user-data` file.
    public var userData: String
    /// The `meta-data` file.
    public var metaData: String

    /// A seed with these two files.
    public init(userData: String, metaData: String) {
        self.userData = userData
        self.metaData = metaData
    }

    /// The ISO image.
    public var image: [UInt8] {
        let files: [(name: String, bytes: [UInt8])] = [("META-DATA.;1", Array(metaData.utf8)), ("USER-DATA.;1", Array(userData.utf8))]
        let rootSector = 20
        var next = rootSector + 1
        var extents: [Int] = []
        for file in files {
            extents.append(next)
            next += max(1, (file.bytes.count + Self.sector - 1) / Self.sector)
        }
        let totalSectors = next
        var iso = [UInt8](repeating: 0, count: totalSectors * Self.sector)

        // The root directory: ".", "..", then the files.
        var root: [UInt8] = []
        root += Self.record(name: [0], extent: rootSector, length: Self.sector, directory: true)
        root += Self.record(name: [1], extent: rootSector, length: Self.sector, directory: true)
        for (file, extent) in zip(files, extents) {
            root += Self.record(name: Array(file.name.utf8), extent: extent, length: file.bytes.count, directory: false)
            iso.replaceSubrange(extent * Self.sector..<extent * Self.sector + file.bytes.count, with: file.bytes)
        }
        iso.replaceSubrange(rootSector * Self.sector..<rootSector * Self.sector + root.count, with: root)

        // Path tables: the root alone, little-endian (sector 18) and big-endian (19).
        iso.replaceSubrange(18 * Self.sector..<18 * Self.sector + 10, with: [1, 0] + Self.le32(rootSector) + [1, 0, 0, 0])
        iso.replaceSubrange(19 * Self.sector..<19 * Self.sector + 10, with: [1, 0] + Self.be32(rootSector) + [0, 1, 0, 0])

        // The primary volume descriptor (sector 16) and the set terminator (17).
        var pvd = [UInt8](repeating: 0, count: Self.sector)
        pvd.replaceSubrange(0..<8, with: [1] + Array("CD001".utf8) + [1, 0])
        pvd.replaceSubrange(8..<40, with: Self.padded("LINUX", 32))
        pvd.replaceSubrange(40..<72, with: Self.padded("cidata", 32))
        pvd.replaceSubrange(80..<88, with: Self.both32(totalSectors))
        pvd.replaceSubrange(120..<124, with: Self.both16(1))
        pvd.replaceSubrange(124..<128, with: Self.both16(1))
        pvd.replaceSubrange(128..<132, with: Self.both16(Self.sector))
        pvd.replaceSubrange(132..<140, with: Self.both32(10))
        pvd.replaceSubrange(140..<144, with: Self.le32(18))
        pvd.replaceSubrange(148..<152, with: Self.be32(19))
        pvd.replaceSubrange(156..<190, with: Self.record(name: [0], extent: rootSector, length: Self.sector, directory: true))
        for range in [190..<318, 318..<446, 446..<574, 574..<702, 702..<739, 739..<776, 776..<813] {
            pvd.replaceSubrange(range, with: Self.padded(range.lowerBound == 574 ? "CONTINUUM" : "", range.count))
        }
        let date = Array("2000010100000000".utf8) + [0]
        for start in [813, 830, 864] { pvd.replaceSubrange(start..<start + 17, with: date) }
        pvd.replaceSubrange(847..<864, with: Array("0000000000000000".utf8) + [0])
        pvd[881] = 1
        iso.replaceSubrange(16 * Self.sector..<17 * Self.sector, with: pvd)
        iso.replaceSubrange(17 * Self.sector..<17 * Self.sector + 7, with: [255] + Array("CD001".utf8) + [1])
        return iso
    }

    /// A directory record.
    private static func record(name: [UInt8], extent: Int, length: Int, directory: Bool) -> [UInt8] {
        var bytes: [UInt8] = [0, 0] + both32(extent) + both32(length)
        bytes += [100, 1, 1, 0, 0, 0, 0]   // 2000-01-01 00:00:00 UTC
        bytes += [directory ? 2 : 0, 0, 0] + both16(1) + [UInt8(name.count)] + name
        if name.count % 2 == 0 { bytes.append(0) }
        bytes[0] = UInt8(bytes.count)
        return bytes
    }

    private static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    private static func be32(_ value: Int) -> [UInt8] { le32(value).reversed() }
    private static func both32(_ value: Int) -> [UInt8] { le32(value) + be32(value) }
    private static func both16(_ value: Int) -> [UInt8] {
        let le = [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
        return le + le.reversed()
    }
    private static func padded(_ text: String, _ count: Int) -> [UInt8] {
        Array(Array(text.utf8).prefix(count)) + [UInt8](repeating: 0x20, count: max(0, count - text.utf8.count))
    }
}
