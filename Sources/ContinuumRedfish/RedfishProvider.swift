public import ContinuumProvider
public import ContinuumSpec
import Foundation

/// Bare-metal nodes through a BMC's Redfish API (`type: redfish`). Provisioning ejects old
/// media, inserts the spec's image as a virtual CD, sets a one-time boot from it in the
/// spec's boot mode, and powers the system on (or restarts it), waiting for the power
/// state. The provider id is the system's path (`spec.systemId`, which must be
/// `/redfish/v1/Systems/<id>`: a spec chooses the system, never the host). Delete powers off and
/// ejects: the hardware is released, not destroyed. Power and boot mode changed out of
/// band read as drift and are put back by an update.
public final class RedfishProvider: Provider, BootstrapSeedRemoval {
    /// The `Provider` resource's name.
    public let name: String
    private let config: RedfishConfig
    private let client: RedfishClient

    /// Creates a provider; `credentials` are the resolved `username` and `password`.
    public init(name: String, config: RedfishConfig, credentials: (username: String, password: String)?) throws(ProviderError) {
        self.name = name
        self.config = config
        self.client = try RedfishClient(provider: name, config: config, credentials: credentials)
    }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        try supported(kind)
        try checkSystemPath(providerID, field: "the provider id (spec.systemId)")
        guard let system = try await client.get(providerID) else { return nil }
        return try await observe(system, path: providerID)
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        // The node is identified by its system path, not by the key: a create that may have
        // run is simply run again (provisioning the same system twice is harmless).
        nil
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try supported(request.id.kind)
        let node = try self.node(request)
        guard let system = try await client.get(node.systemId) else {
            throw ProviderError(.invalidRequest, provider: name, message: "the BMC has no system \(node.systemId)",
                remedy: "check spec.systemId against \(config.endpoint.absoluteString)/redfish/v1/Systems")
        }
        do {
            try await provision(node, name: request.id.name, system: system)
        } catch {
            // A failed create leaves no seed (and its token, and its URL) behind.
            removeSeedFiles(of: request.id.name)
            throw error
        }
        return try await observed(node.systemId)
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try supported(request.id.kind)
        let node = try self.node(request)
        guard let system = try await client.get(node.systemId) else {
            throw ProviderError(.notFound, provider: name, message: "the BMC has no system \(node.systemId)", remedy: "it is gone from the BMC")
        }
        if Self.boot(system)["BootSourceOverrideMode"] as? String != node.bootMode.rawValue {
            try await client.patch(node.systemId, ["Boot": ["BootSourceOverrideMode": node.bootMode.rawValue]], etag: system.etag)
        }
        try await setPower(node.power, system: system, path: node.systemId)
        return try await observed(node.systemId)
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        try supported(kind)
        try checkSystemPath(providerID, field: "the provider id (spec.systemId)")
        guard let system = try await client.get(providerID) else { return }
        try await setPower(.off, system: system, path: providerID, graceful: false)
        let media = try await virtualMedia(of: system) { Self.cd(in: $0) != nil && Self.seed(in: $0) != nil }
        // A seed still inserted (a create that crashed, or a removal that failed) goes too:
        // the file its URL names is deleted first, then the media are ejected.
        if let seed = Self.seed(in: media), let file = seedFile(inserted: seed), unlink(file) != 0, errno != ENOENT {
            throw ProviderError(.unavailable, provider: name, message: "cannot delete the cloud-init seed \(file): \(String(cString: strerror(errno)))",
                remedy: "delete the file by hand: it carries the cluster's join token")
        }
        for media in [Self.cd(in: media), Self.seed(in: media)] {
            if let media, media["Inserted"] as? Bool == true, let eject = media.action("#VirtualMedia.EjectMedia") { try await client.action(eject, [:]) }
        }
    }

    /// The seed file in `seedDirectory` that an inserted medium's image URL names
    /// (`seedURL/<name>-<64 hex digits>-seed.iso`); nil for any other image.
    private func seedFile(inserted media: RedfishDocument) -> String? {
        guard media["Inserted"] as? Bool == true, let image = media["Image"] as? String, let directory = config.seedDirectory,
            let base = config.seedURL?.absoluteString, image.hasPrefix(base)
        else { return nil }
        let file = image.dropFirst(base.count).drop { $0 == "/" }
        guard !file.contains("/"), file.hasSuffix("-seed.iso"), file.count > 64 + "-seed.iso".count,
            file.dropLast("-seed.iso".count).suffix(65).first == "-", file.dropLast("-seed.iso".count).suffix(64).allSatisfy(\.isHexDigit)
        else { return nil }
        return directory + "/" + file
    }

    /// Operations take seconds to minutes on real hardware; the scheduler starts them first.
    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        operation == .create ? .seconds(120) : .seconds(30)
    }

    // MARK: Provisioning

    private func provision(_ node: Node, name: String, system: RedfishDocument) async throws(ProviderError) {
        // A node with user data needs somewhere to put its seed: checked before the node is touched.
        var seedPlace: (directory: String, url: URL)?
        if node.userData != nil {
            guard let directory = config.seedDirectory, let url = config.seedURL else {
                throw ProviderError(.invalidRequest, provider: self.name, message: "BareMetalNode \(name) has cloud-init user data (it joins a cluster), and the provider has no seedDirectory and seedURL",
                    remedy: "set spec.config.seedDirectory to a directory a web server serves, and spec.config.seedURL to its URL")
            }
            seedPlace = (directory, url)
        }
        let devices = try await virtualMedia(of: system) { Self.cd(in: $0) != nil && (node.userData == nil || Self.seed(in: $0) != nil) }
        guard let media = Self.cd(in: devices) else {
            throw ProviderError(.invalidRequest, provider: name, message: "\(node.systemId) has no virtual CD/DVD media",
                remedy: "this BMC cannot boot an image by virtual media")
        }
        if media["Inserted"] as? Bool == true, let eject = media.action("#VirtualMedia.EjectMedia") {
            try await client.action(eject, [:])
        }
        guard let insert = media.action("#VirtualMedia.InsertMedia") else {
            throw ProviderError(.invalidRequest, provider: name, message: "the virtual media of \(node.systemId) has no InsertMedia action", remedy: "update the BMC firmware")
        }
        try await client.action(insert, ["Image": node.image, "Inserted": true, "WriteProtected": true])
        if let userData = node.userData, let seedPlace { try await insertSeed(userData, name: name, at: seedPlace, into: Self.seed(in: devices)) }
        try await client.patch(node.systemId, [
            "Boot": ["BootSourceOverrideTarget": "Cd", "BootSourceOverrideEnabled": "Once", "BootSourceOverrideMode": node.bootMode.rawValue],
        ], etag: system.etag)
        guard node.power == .on else { return try await setPower(.off, system: system, path: node.systemId) }
        let isOn = system["PowerState"] as? String == "On"
        try await reset(system, path: node.systemId, isOn ? "ForceRestart" : "On")
        try await waitForPower("On", system: node.systemId)
    }

    /// Writes the node's cloud-init NoCloud seed into `seedDirectory` and inserts it, by
    /// its `seedURL`, as the system's second virtual medium (a USB stick or floppy), where
    /// cloud-init in the booted image finds it by its `cidata` label.
    ///
    /// The file's name is a capability: `<name>-<32 random bytes, hex>-seed.iso`, so its URL
    /// cannot be guessed (the web server must not list the directory), and it exists only
    /// until the node is Ready or its create fails (`removeBootstrapSeed`). It is created
    /// owner-only (0600) and exclusively in an owner-only (0700) directory.
    private func insertSeed(_ userData: String, name: String, at place: (directory: String, url: URL), into media: RedfishDocument?) async throws(ProviderError) {
        let (directory, base) = place
        guard let media, let insert = media.action("#VirtualMedia.InsertMedia") else {
            throw ProviderError(.invalidRequest, provider: self.name, message: "\(name)'s system has no second virtual medium (USB stick or floppy) for its cloud-init seed",
                remedy: "this BMC cannot hand the node its cluster configuration; join the node to the cluster another way")
        }
        // An earlier seed of this node (a create that was retried) goes first.
        removeSeedFiles(of: name)
        var generator = SystemRandomNumberGenerator()
        let capability = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let file = Self.seedFile(of: name, capability: capability)
        let seed = CloudInitSeed(userData: userData, metaData: "instance-id: \(name)\nlocal-hostname: \(name)\n")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try PrivateFile.write(seed.image, named: file, in: directory)
        } catch {
            throw ProviderError(.invalidRequest, provider: self.name, message: "cannot write the cloud-init seed of \(name) in \(directory): \(error.localizedDescription)",
                remedy: "check that spec.config.seedDirectory is writable by the controller")
        }
        if media["Inserted"] as? Bool == true, let eject = media.action("#VirtualMedia.EjectMedia") { try await client.action(eject, [:]) }
        try await client.action(insert, ["Image": base.appendingPathComponent(file).absoluteString, "Inserted": true, "WriteProtected": true])
    }

    /// `<name>-<capability>-seed.iso`.
    static func seedFile(of name: String, capability: String) -> String { "\(name)-\(capability)-seed.iso" }

    /// The seed files of the node `name` in `seedDirectory`: `<name>-<64 hex digits>-seed.iso`.
    private func seedFiles(of name: String) -> [String] {
        guard let directory = config.seedDirectory, let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let prefix = "\(name)-", suffix = "-seed.iso"
        return entries.filter { entry in
            guard entry.hasPrefix(prefix), entry.hasSuffix(suffix), entry.count == prefix.count + 64 + suffix.count else { return false }
            return entry.dropFirst(prefix.count).dropLast(suffix.count).allSatisfy(\.isHexDigit)
        }.map { directory + "/" + $0 }
    }

    /// Deletes the node's seed files; true when none is left.
    @discardableResult
    private func removeSeedFiles(of name: String) -> Bool {
        seedFiles(of: name).allSatisfy { unlink($0) == 0 || errno == ENOENT }
    }

    /// Deletes the node's seed files, then ejects its seed medium (the USB stick or floppy
    /// holding a seed from `seedURL`): once the node is Ready, the join token has done its
    /// work, and its URL stops answering. The files go first and synchronously, so that
    /// neither a BMC that fails nor a cancelled task keeps the token served; the eject is
    /// best-effort (a medium left inserted names a URL that no longer answers), in a task
    /// of its own that the caller's cancellation does not reach.
    /// - Throws: `ProviderError` when a seed file cannot be deleted.
    public func removeBootstrapSeed(of kind: ResourceKind, providerID: String, name: String) async throws(ProviderError) {
        guard kind == .bareMetalNode else { return }
        let removed = removeSeedFiles(of: name)
        if (try? checkSystemPath(providerID, field: "the provider id (spec.systemId)")) != nil {
            let (client, base) = (self.client, config.seedURL?.absoluteString)
            await Task { () async -> Void in
                do throws(ProviderError) {
                    guard let system = try await client.get(providerID) else { return }
                    let media = Self.seed(in: try await self.virtualMedia(of: system) { Self.seed(in: $0) != nil })
                    let image = media?["Image"] as? String ?? ""
                    if let media, media["Inserted"] as? Bool == true, let base, image.hasPrefix(base), let eject = media.action("#VirtualMedia.EjectMedia") {
                        try await client.action(eject, [:])
                    }
                } catch {
                    // Best-effort: the file is gone, so the medium's URL answers nothing.
                }
            }.value
        }
        guard removed else {
            throw ProviderError(.unavailable, provider: self.name, message: "cannot delete the cloud-init seed of \(name) in \(config.seedDirectory ?? "")",
                remedy: "delete \(name)-*-seed.iso there by hand: it carries the cluster's join token")
        }
    }

    /// Powers the system on, or off: gracefully first when `graceful`, then forcibly once
    /// half the power timeout has passed.
    private func setPower(_ power: PowerState, system: RedfishDocument, path: String, graceful: Bool = true) async throws(ProviderError) {
        let wanted = power == .on ? "On" : "Off"
        guard system["PowerState"] as? String != wanted else { return }
        if wanted == "On" {
            try await reset(system, path: path, "On")
            return try await waitForPower("On", system: path)
        }
        if graceful {
            try await reset(system, path: path, "GracefulShutdown")
            do {
                return try await waitForPower("Off", system: path, within: config.powerTimeout / 2)
            } catch {
                // Not off in time: force it, as the spec asks.
            }
        }
        try await reset(system, path: path, "ForceOff")
        try await waitForPower("Off", system: path)
    }

    private func reset(_ system: RedfishDocument, path: String, _ type: String) async throws(ProviderError) {
        guard let target = system.action("#ComputerSystem.Reset") else {
            throw ProviderError(.invalidRequest, provider: name, message: "\(path) has no ComputerSystem.Reset action", remedy: "check the BMC")
        }
        try await client.action(target, ["ResetType": type])
    }

    private func waitForPower(_ state: String, system: String, within timeout: Duration? = nil) async throws(ProviderError) {
        let deadline = ContinuousClock.now + (timeout ?? config.powerTimeout)
        while ContinuousClock.now < deadline {
            if try await client.get(system)?["PowerState"] as? String == state { return }
            try? await Task.sleep(for: config.pollInterval)
        }
        throw ProviderError(.transient, provider: name, message: "\(system) did not reach power state \(state) within \(DurationText.format(timeout ?? config.powerTimeout))",
            remedy: "check the machine; raise spec.config.powerTimeout if it is slow")
    }

    // MARK: Observation

    private func observed(_ path: String) async throws(ProviderError) -> ObservedObject {
        guard let system = try await client.get(path) else {
            throw ProviderError(.notFound, provider: name, message: "\(path) disappeared", remedy: "check the BMC")
        }
        return try await observe(system, path: path)
    }

    /// The system as a live spec. The image is what the virtual CD holds; once the media is
    /// ejected (as it often is after an install) the image cannot be observed and is left
    /// out, so the recorded one stands. `provisioned` is whether the node runs: it is only
    /// in the state after a provisioning succeeded.
    private func observe(_ system: RedfishDocument, path: String) async throws(ProviderError) -> ObservedObject {
        let media = Self.cd(in: try await virtualMedia(of: system) { Self.cd(in: $0) != nil })
        let image = media?["Inserted"] as? Bool == true ? media?["Image"] as? String : nil
        let power = system["PowerState"] as? String == "On" ? "on" : "off"
        let spec = FieldValue.object([
            ("provider", .string(name)), ("systemId", .string(path)), ("image", image.map(FieldValue.string)),
            ("bootMode", .string(Self.boot(system)["BootSourceOverrideMode"] as? String ?? "UEFI")), ("power", .string(power)),
        ])
        let outputs: [String: FieldValue] = [
            "id": .string(system["Id"] as? String ?? path),
            "powerState": .string(system["PowerState"] as? String ?? "Unknown"),
            "provisioned": .boolean(power == "on"),
        ]
        return ObservedObject(providerID: path, spec: spec, outputs: outputs)
    }

    /// The virtual CD or DVD among a system's media.
    private static func cd(in media: [RedfishDocument]) -> RedfishDocument? {
        media.first { types($0).contains("CD") || types($0).contains("DVD") }
    }

    /// The virtual USB stick or floppy among a system's media, for a cloud-init seed.
    private static func seed(in media: [RedfishDocument]) -> RedfishDocument? {
        media.first { !types($0).contains("CD") && !types($0).contains("DVD") && (types($0).contains("USBStick") || types($0).contains("Floppy")) }
    }

    private static func types(_ media: RedfishDocument) -> [String] { media["MediaTypes"] as? [String] ?? [] }

    /// A system's virtual media, read once per operation and only until `enough` holds of
    /// what was read, following its links: its own virtual media, else that of the
    /// managers (BMCs) that manage it, as many real BMCs have it.
    private func virtualMedia(of system: RedfishDocument, until enough: ([RedfishDocument]) -> Bool) async throws(ProviderError) -> [RedfishDocument] {
        var collections: [String] = []
        if let own = system.link("VirtualMedia") {
            collections.append(own)
        } else {
            for manager in ((system["Links"] as? [String: Any])?["ManagedBy"] as? [[String: Any]] ?? []).compactMap({ $0["@odata.id"] as? String }) {
                if let media = try await client.get(manager)?.link("VirtualMedia") { collections.append(media) }
            }
        }
        var media: [RedfishDocument] = []
        for collection in collections {
            for member in try await client.get(collection)?.members ?? [] {
                if let document = try await client.get(member) { media.append(document) }
                if enough(media) { return media }
            }
        }
        return media
    }

    private static func boot(_ system: RedfishDocument) -> [String: Any] { system["Boot"] as? [String: Any] ?? [:] }

    private func supported(_ kind: ResourceKind) throws(ProviderError) {
        guard kind == .bareMetalNode else {
            throw ProviderError(.invalidRequest, provider: name, message: "a redfish provider manages BareMetalNode resources, not \(kind.rawValue)",
                remedy: "put \(kind.rawValue) resources on a sim, libvirt or external provider")
        }
    }
}

/// A bare-metal node's desired spec: the request's, typed.
typealias Node = ResolvedBareMetalNode
