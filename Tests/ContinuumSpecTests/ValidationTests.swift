import ContinuumGraph
import ContinuumSpec
import ContinuumTesting
import Testing

/// One spec-v1 rule broken in one file, and every diagnostic expected for it, exactly.
struct ValidationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let expected: [String]

    init(_ name: String, _ yaml: String, _ expected: [String]) {
        self.name = name
        self.yaml = yaml
        self.expected = expected
    }

    var testDescription: String { name }
}

/// Loads one file `a.yaml` and builds its graph, returning every diagnostic line, sorted.
func diagnose(_ yaml: String) -> [String] {
    let repository = SpecHarness.load(["a.yaml": yaml + "\n"])
    let (_, graphDiagnostics) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
    return SpecHarness.lines((repository.diagnostics + graphDiagnostics).sorted())
}

@Suite("Validation: one case per spec-v1 rule, with the exact location and message")
struct ValidationTests {
    @Test(arguments: validationCases)
    func reportsEveryErrorAtItsLocation(_ testCase: ValidationCase) {
        #expect(diagnose(testCase.yaml) == testCase.expected)
    }

    @Test func errorsAreSortedByPathThenLine() {
        let repository = SpecHarness.load([
            "b.yaml": SpecSamples.provider("p") + "\n---\n" + SpecSamples.network("n", provider: "p", cidr: "bad"),
            "a/z.yaml": SpecSamples.virtualMachine("vm", provider: "p", cpu: "0", networks: ["Network/n"]),
            "a/y.yaml": SpecSamples.virtualMachine("vm2", provider: "p", memory: "4GB", networks: ["Network/n"]),
        ])
        let files = repository.diagnostics.compactMap { $0.location?.file }
        #expect(files == ["a/y.yaml", "a/z.yaml", "b.yaml"])
    }

    @Test func aValidRepositoryHasNoDiagnostics() {
        let yaml = SpecSamples.file(
            SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine(),
            SpecSamples.bareMetalNode(), SpecSamples.kubernetesCluster())
        #expect(diagnose(yaml) == [])
    }

    @Test func duplicateIdentitiesAcrossFilesNameTheFirstDefinition() {
        let repository = SpecHarness.load([
            "a.yaml": SpecSamples.provider(),
            "b.yaml": SpecSamples.provider(),
        ])
        #expect(SpecHarness.lines(repository.diagnostics) == [
            "b.yaml:4:3: error: Provider/de-fra-cloud is defined twice; the first definition is at a.yaml:4:3. Identities (Kind/name) are unique in a repository"
        ])
        #expect(repository.resources.count == 1)
    }
}

let validationCases: [ValidationCase] = [
    ValidationCase(
        "network-of-another-provider",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: de-fra-cloud
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: es-bio-cloud
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: Network
        metadata:
          name: fra-edge
        spec:
          provider: de-fra-cloud
          cidr: 10.20.0.0/24
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: bio-1
        spec:
          provider: es-bio-cloud
          cpu: 2
          memory: 4Gi
          image: debian-12
          networks: [Network/fra-edge]
        """,
        [
            "a.yaml:32:14: error: spec.networks: Network/fra-edge is on provider 'de-fra-cloud', but VirtualMachine/bio-1 is on provider 'es-bio-cloud'; a machine can only attach to a network of its own provider: use a Network on 'es-bio-cloud', or move VirtualMachine/bio-1 to 'de-fra-cloud'",
        ]
    ),
    ValidationCase(
        "unknown-top",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        specs: {}
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:10:1: error: specs: unknown field 'specs' (did you mean 'spec'?); valid fields are apiVersion, kind, metadata, lifecycle, spec",
        ]
    ),
    ValidationCase(
        "misspelt-field",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memroy: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:8:3: error: spec.memroy: unknown field 'memroy' (did you mean 'memory'?); valid fields are provider, cpu, memory, image, disks, networks, userData, power",
        ]
    ),
    ValidationCase(
        "quoted-int",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: "2"
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:7:8: error: spec.cpu: expected a whole number from 1 to 512, got the quoted string \"2\"",
        ]
    ),
    ValidationCase(
        "cpu-range",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 600
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:7:8: error: spec.cpu: 600 is out of range; it must be from 1 to 512",
        ]
    ),
    ValidationCase(
        "power-yes",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          power: yes
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:10:10: error: spec.power: 'yes' is not valid; it must be one of on, off",
        ]
    ),
    ValidationCase(
        "quantity",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4GB
          image: debian-12
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:8:11: error: spec.memory: '4GB' is not a quantity; write a whole number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei (binary) or k, M, G, T, P, E (decimal), for example 512Mi or 4Gi",
        ]
    ),
    ValidationCase(
        "cidr",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: Network
        metadata: {name: n}
        spec: {provider: p, cidr: 10.20.0.5/24, vlan: 5000}
        """,
        [
            "a.yaml:11:27: error: spec.cidr: '10.20.0.5/24' has host bits set; did you mean '10.20.0.0/24'?",
            "a.yaml:11:47: error: spec.vlan: 5000 is out of range; it must be from 1 to 4094",
        ]
    ),
    ValidationCase(
        "dangling",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          networks: [Network/fra-edg]
        ---
        apiVersion: continuum.dev/v1
        kind: Network
        metadata: {name: fra-edge}
        spec: {provider: p, cidr: 10.20.0.0/24}
        """,
        [
            "a.yaml:17:14: error: spec.networks: Network/fra-edg is not defined in this repository (did you mean 'Network/fra-edge'?)",
        ]
    ),
    ValidationCase(
        "provider-missing",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: de-fra
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'de-fra'; define a Provider resource with that name",
        ]
    ),
    ValidationCase(
        "interp",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          userData: "x ${Network/n.outputs.gatway}"
        """,
        [
            "a.yaml:17:16: error: spec.userData: Network has no output 'gatway' (did you mean 'gateway'?); its outputs are id, gateway",
        ]
    ),
    ValidationCase(
        "unclosed",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          userData: abc ${Network/n.outputs.id
        """,
        [
            "a.yaml:17:17: error: spec.userData: unclosed '${'; close it with '}', or write '$${' for a literal '${'",
        ]
    ),
    ValidationCase(
        "badkind-interp",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          userData: abc ${Netwrk/n.outputs.id}
        """,
        [
            "a.yaml:17:17: error: spec.userData: in '${Netwrk/n.outputs.id}': unknown kind 'Netwrk' (did you mean 'Network'?); kinds are Provider, Network, VirtualMachine, BareMetalNode, KubernetesCluster",
        ]
    ),
    ValidationCase(
        "secret",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: p}
        spec:
          type: redfish
          credentials:
            password: hunter2
        """,
        [
            "a.yaml:7:15: error: spec.credentials.password: a credential must be a secret reference such as {fromEnv: VAR} or {fromFile: /path}, never a literal value; secrets are never written in a spec",
        ]
    ),
    ValidationCase(
        "name",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: Web_1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:4:9: error: metadata.name: invalid name 'Web_1': a name may hold only lower-case letters, digits and '-' (DNS-1123 label), not 'W'",
        ]
    ),
    ValidationCase(
        "apiversion",
        """
        apiVersion: continuum.dev/v2
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:1:13: error: apiVersion: unsupported apiVersion 'continuum.dev/v2'; write continuum.dev/v1",
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
        ]
    ),
    ValidationCase(
        "kind",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachin
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:2:7: error: kind: 'VirtualMachin' is not valid (did you mean 'VirtualMachine'?); it must be one of Provider, Network, VirtualMachine, BareMetalNode, KubernetesCluster",
        ]
    ),
    ValidationCase(
        "dupkey",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          cpu: 4
        """,
        [
            "a.yaml:10:3: error: duplicate key 'cpu'; each key may appear once in a mapping",
        ]
    ),
    ValidationCase(
        "dupkey in a large mapping",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
          labels:
            l0: v0
            l1: v1
            l2: v2
            l3: v3
            l4: v4
            l5: v5
            l6: v6
            l7: v7
            l8: v8
            l9: v9
            l10: v10
            l11: v11
            l12: v12
            l13: v13
            l14: v14
            l15: v15
            l16: v16
            l17: v17
            l18: v18
            l19: v19
            l20: v20
            l21: v21
            l22: v22
            l23: v23
            l24: v24
            l25: v25
            l26: v26
            l27: v27
            l28: v28
            l29: v29
            l3: again
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:36:5: error: duplicate key 'l3'; each key may appear once in a mapping",
        ]
    ),
    ValidationCase(
        "cycle",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          dependsOn: [VirtualMachine/b]
          name: a
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          dependsOn: [VirtualMachine/c]
          name: b
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          dependsOn: [VirtualMachine/a]
          name: c
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:11:15: error: dependency cycle: VirtualMachine/a -> VirtualMachine/b -> VirtualMachine/c -> VirtualMachine/a; remove one of these references or dependsOn entries",
        ]
    ),
    ValidationCase(
        "refkind",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          networks: [VirtualMachine/web-1]
        """,
        [
            "a.yaml:17:14: error: spec.networks[0]: 'VirtualMachine/web-1' is a VirtualMachine; this field takes a Network reference",
        ]
    ),
    ValidationCase(
        "cp",
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: p
        spec:
          type: sim
        ---
        apiVersion: continuum.dev/v1
        kind: KubernetesCluster
        metadata: {name: k}
        spec:
          provider: p
          version: 1.30
          network: Network/n
          controlPlane: {replicas: 2, machine: {cpu: 2, memory: 4Gi, image: x}}
          nodePools:
            - name: a
            - name: b
              replicas: 1
              machine: {cpu: 1, memory: 1Gi, image: x}
              nodes: {matchLabels: {a: b}}
        """,
        [
            "a.yaml:14:12: error: spec.network: Network/n is not defined in this repository; define it, or correct the reference",
            "a.yaml:15:28: error: spec.controlPlane.replicas: 2 is not allowed; it must be one of 1, 3, 5",
            "a.yaml:17:7: error: spec.nodePools[0]: a pool needs replicas and machine (virtual machines), or nodes.matchLabels (bare-metal nodes)",
            "a.yaml:18:7: error: spec.nodePools[1]: a pool has either replicas and machine, or nodes, not both",
        ]
    ),
    ValidationCase(
        "ignore",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        lifecycle:
          ignoreChanges: [spec.userdata]
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:4:19: error: lifecycle.ignoreChanges[0]: 'spec.userdata' is not a field of a VirtualMachine (did you mean 'spec.userData'?); write a path such as spec.power",
            "a.yaml:8:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
        ]
    ),
    ValidationCase(
        "prevent-yes",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        lifecycle: {preventDestroy: yes}
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
        """,
        [
            "a.yaml:3:29: error: lifecycle.preventDestroy: expected true or false, got 'yes'",
            "a.yaml:7:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
        ]
    ),
    ValidationCase(
        "merge",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          memory: 4Gi
          image: debian-12
          <<: {cpu: 1}
        """,
        [
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
            "a.yaml:10:3: error: spec: YAML merge keys ('<<') are not supported; write the fields out, or use an alias for a whole value",
        ]
    ),
    ValidationCase(
        "missing",
        """
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata:
          name: web-1
        spec:
          provider: p
          cpu: 2
          image: debian-12
        """,
        [
            "a.yaml:6:3: error: spec: missing required field 'memory'",
            "a.yaml:6:13: error: spec.provider: no Provider named 'p'; define a Provider resource with that name",
        ]
    ),
]

@Suite("Validation: errors in one resource do not hide or cause others")
struct RejectedResourceTests {
    @Test func aResourceWithErrorsStillHasItsReferencesChecked() {
        let lines = diagnose(SpecSamples.file(SpecSamples.provider(), SpecSamples.virtualMachine(cpu: "0", networks: ["Network/nope"])))
        #expect(lines.count == 2)
        #expect(lines.last?.contains("Network/nope is not defined") == true)
    }

    @Test func referencesToAResourceWithErrorsAreNotDangling() {
        let lines = diagnose(SpecSamples.file(SpecSamples.provider(), SpecSamples.network(cidr: "bad"), SpecSamples.virtualMachine()))
        #expect(lines.count == 1)
        #expect(lines.first?.contains("spec.cidr") == true)
    }
}
