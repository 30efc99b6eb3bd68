import ContinuumSpec
import Testing

@Suite("Values: quantities, CIDRs, references, interpolation, names")
struct ValueParsingTests {
    @Test(arguments: [
        ("512Mi", Int64(512) << 20), ("4Gi", Int64(4) << 30), ("1Ti", Int64(1) << 40), ("100G", Int64(100_000_000_000)),
        ("1024", Int64(1024)), ("0", Int64(0)), ("2k", Int64(2000)),
    ])
    func quantitiesParse(_ text: String, _ bytes: Int64) throws {
        let quantity = try Quantity.parse(text).get()
        #expect(quantity.bytes == bytes)
        #expect(quantity.text == text)
    }

    @Test(arguments: ["4GB", "4 Gi", "-1Gi", "1.5Gi", "Gi", "", "4gi", "99999999999Ei"])
    func malformedQuantitiesAreRefused(_ text: String) {
        #expect(throws: QuantityError.self) { try Quantity.parse(text).get() }
    }

    @Test func quantitiesCompareByBytes() throws {
        #expect(try Quantity.parse("4Gi").get() == Quantity.parse("4096Mi").get())
        #expect(try Quantity.parse("4G").get() != Quantity.parse("4Gi").get())
    }

    @Test(arguments: ["10.20.0.0/24", "0.0.0.0/0", "192.168.1.1/32", "2001:db8::/48", "::/0", "fe80::1/128", "2001:db8:0:0:0:0:0:0/64"])
    func validCIDRsParse(_ text: String) throws {
        #expect(try CIDR.parse(text).get().text == text)
    }

    @Test(arguments: [
        ("10.20.0.0", "is not a CIDR"), ("10.20.0.0/33", "prefix length outside 0...32"), ("256.0.0.0/8", "is not a CIDR"),
        ("10.20.0.5/24", "did you mean '10.20.0.0/24'"), ("2001:db8::1/48", "host bits set"), ("2001:::/48", "is not a CIDR"),
        ("01.2.3.0/24", "is not a CIDR"), ("1.2.3.0/-1", "prefix length outside 0...32"),
    ])
    func invalidCIDRsSayWhy(_ text: String, _ message: String) {
        guard case .failure(let error) = CIDR.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.description.contains(message))
    }

    @Test(arguments: [
        ("Network/fra-edge", ResourceID(.network, "fra-edge")),
        ("KubernetesCluster/bio-k8s", ResourceID(.kubernetesCluster, "bio-k8s")),
    ])
    func referencesParse(_ text: String, _ id: ResourceID) {
        #expect(ResourceID(parsing: text) == id)
        #expect(id.description == text)
    }

    @Test(arguments: [("fra-edge", "no /"), ("Netwerk/x", "unknown kind"), ("Network/X", "invalid name"), ("Network/", "invalid name")])
    func badReferencesAreRefused(_ text: String, _ why: String) {
        #expect(ResourceID(parsing: text) == nil)
    }

    @Test(arguments: [
        ("web-1", nil), ("a", nil), ("0", nil), ("no", nil), ("-web", "start and end"), ("web-", "start and end"),
        ("Web", "lower-case"), ("web_1", "lower-case"), (String(repeating: "a", count: 64), "at most 63"), ("", "empty"),
    ] as [(String, String?)])
    func dnsLabels(_ name: String, _ problem: String?) {
        if let problem {
            #expect(DNSLabel.problem(with: name)?.contains(problem) == true)
        } else {
            #expect(DNSLabel.problem(with: name) == nil)
        }
    }

    @Test func interpolationSplitsLiteralsAndOutputs() throws {
        let value = try InterpolatedString.parse("http://${VirtualMachine/web-1.outputs.ipAddress}:8080/$${HOME}").get()
        #expect(value.parts == [.literal("http://"), .output(ResourceID(.virtualMachine, "web-1"), "ipAddress"), .literal(":8080/${HOME}")])
        #expect(value.resolved { _, _ in "10.0.0.5" } == "http://10.0.0.5:8080/${HOME}")
        #expect(value.resolved { _, _ in nil } == nil)
        #expect(try InterpolatedString.parse("plain $${x}").get().literalValue == "plain ${x}")
    }

    @Test(arguments: [
        ("a ${Network/n.outputs.id", 2, "unclosed"),
        ("${Network/n.outputs.cidr}", 0, "has no output 'cidr'"),
        ("x${Provider/p.outputs.id}", 1, "it has no outputs"),
        ("${Nope/n.outputs.id}", 0, "unknown kind"),
        ("${Network/n.id}", 0, "not an output reference"),
    ])
    func interpolationErrorsPointAtTheDollar(_ text: String, _ offset: Int, _ message: String) {
        guard case .failure(let error) = InterpolatedString.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.offset == offset)
        #expect(error.message.contains(message))
    }

    @Test(arguments: [("memroy", "memory"), ("userdata", "userData"), ("cpus", "cpu"), ("provder", "provider")])
    func suggestionsFindTheClosestName(_ typo: String, _ expected: String) {
        #expect(NameSuggester.closest(to: typo, in: ["provider", "cpu", "memory", "image", "userData", "power"]) == expected)
    }

    @Test func noSuggestionWhenNothingIsClose() {
        #expect(NameSuggester.closest(to: "zzzzzz", in: ["provider", "cpu"]) == nil)
    }

    @Test(arguments: [("1.31", 1, 31), ("1.30", 1, 30), ("2.0", 2, 0)])
    func kubernetesVersionsKeepTheirText(_ text: String, _ major: Int, _ minor: Int) throws {
        let version = try #require(KubernetesVersion(text))
        #expect(version.major == major && version.minor == minor && version.description == text)
    }

    @Test(arguments: ["1", "1.3.1", "v1.30", "1.", ""])
    func malformedKubernetesVersionsAreRefused(_ text: String) {
        #expect(KubernetesVersion(text) == nil)
    }

    @Test func fieldPathsContainment() {
        #expect(FieldPath("spec.disks[0].size").isWithin("spec.disks"))
        #expect(FieldPath("spec.disks").isWithin("spec.disks"))
        #expect(!FieldPath("spec.disksExtra").isWithin("spec.disks"))
        #expect(!FieldPath("spec").isWithin("spec.disks"))
    }
}
