import ContinuumSpec
import ContinuumTesting
import Testing

/// Scalars are read by the schema's type for the field, from their source text, not by
/// YAML 1.1 guessing (spec-v1 "Values").
@Suite("Scalar typing by schema")
struct ScalarTypingTests {
    private func load(_ yaml: String) throws -> [Resource] {
        let repository = SpecHarness.load(["a.yaml": yaml])
        #expect(repository.diagnostics == [])
        return repository.resources
    }

    @Test func onIsTheWordOnNotTrue() throws {
        let resources = try load(SpecSamples.file(SpecSamples.virtualMachine(extra: ["power: off"])))
        guard case .virtualMachine(let vm) = try #require(resources.first).spec else {
            Issue.record("not a VM")
            return
        }
        #expect(vm.power == .off)
    }

    @Test func versionOneThirtyStaysOneThirty() throws {
        let resources = try load(SpecSamples.kubernetesCluster(version: "1.30"))
        guard case .kubernetesCluster(let cluster) = try #require(resources.first).spec else {
            Issue.record("not a cluster")
            return
        }
        #expect(cluster.version.description == "1.30")
        #expect(cluster.fieldValue["version"] == .string("1.30"))
    }

    @Test func theNameNoIsAName() throws {
        let resources = try load(SpecSamples.network("no"))
        #expect(resources.first?.id == ResourceID(.network, "no"))
    }

    @Test func aQuotedNumberIsNotANumber() {
        let repository = SpecHarness.load(["a.yaml": SpecSamples.virtualMachine(cpu: "'2'")])
        #expect(repository.diagnostics.first?.message.contains("expected a whole number") == true)
    }

    @Test func defaultsAreExplicitInTheCanonicalSpec() throws {
        let resources = try load(SpecSamples.bareMetalNode())
        let spec = try #require(resources.first).spec.fieldValue
        #expect(spec["power"] == .string("on"))
        #expect(spec["bootMode"] == .string("UEFI"))
    }

    @Test func mapKeyOrderDoesNotChangeTheCanonicalSpec() throws {
        let a = try load(SpecSamples.network("n", cidr: "10.0.0.0/8"))
        let b = try load("apiVersion: continuum.dev/v1\nkind: Network\nspec: {cidr: 10.0.0.0/8, provider: de-fra-cloud}\nmetadata: {name: n}\n")
        #expect(a.first?.spec.fieldValue == b.first?.spec.fieldValue)
    }

    @Test func emptyAndCommentOnlyFilesAreFine() {
        let repository = SpecHarness.load(["a.yaml": "", "b.yaml": "# just a comment\n", "c.yaml": "---\n---\n"])
        #expect(repository.diagnostics == [])
        #expect(repository.resources == [])
        #expect(repository.fileCount == 3)
    }

    @Test func aSecretReferenceIsKeptAsAReferenceAndRendersSensitive() throws {
        let resources = try load("""
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: metal}
            spec:
              type: redfish
              credentials:
                username: {fromEnv: BMC_USER}
                password: {fromFile: /run/secrets/bmc}
            """)
        let spec = try #require(resources.first).spec.fieldValue
        #expect(spec["credentials"]?["password"] == .secret(.fromFile("/run/secrets/bmc")))
        #expect(spec["credentials"]?.description.contains("/run/secrets") == false)
        #expect(spec.containsSecret)
    }
}
