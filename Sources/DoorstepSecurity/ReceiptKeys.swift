import Crypto
import Foundation

/// The receipt keys a server signs and publishes with: the current master secret
/// (`receipt-master.key`, each tenant's Ed25519 key derived from it) and the public keys of
/// masters retired by `doorstep keys rotate-receipts` (`receipt-keys-retired.json`). Doorstep
/// keeps no copy of a retired master's secret (it is renamed over; backups of the folder may
/// still hold it); only its public keys stay published, under their `kid`, so receipts signed
/// before still verify. Servers sharing the folder pick up a rotation within `refresh`.
public final class ReceiptKeys: Sendable {
    struct State: Sendable {
        var signer: ReceiptSigner
        var retired: [PublishedKey]
    }

    static let masterName = "receipt-master.key"
    static let retiredName = "receipt-keys-retired.json"

    private let state: Reloading<State>

    public init(folder: String, refresh: Duration = .seconds(5)) throws {
        _ = try ReceiptSigner.loadOrCreate(folder: folder)  // the first start makes one
        state = try Reloading(interval: refresh) { try Self.read(folder: folder) }
    }

    public func sign(_ payload: [UInt8], tenantID: String) throws -> SignedReceipt {
        try state.get().signer.sign(payload, tenantID: tenantID)
    }

    /// Every key a receipt of these tenants may name: today's, then each retired one.
    public func published(tenantIDs: [String]) -> [PublishedKey] {
        let state = state.get()
        let tenants = Set(tenantIDs)
        return tenantIDs.map { state.signer.publicKey(tenantID: $0) } + state.retired.filter { tenants.contains($0.tenantID) }
    }

    static func read(folder: String) throws -> State {
        guard let master = try KeyFile.load(at: folder + "/" + masterName) else {
            throw KeyFile.Error(description: "no receipt key in \(folder)")
        }
        return State(signer: ReceiptSigner(master: .init(data: master)), retired: try retired(in: folder))
    }

    static func retired(in folder: String) throws -> [PublishedKey] {
        guard let data = FileManager.default.contents(atPath: folder + "/" + retiredName) else { return [] }
        return try JSONDecoder().decode([PublishedKey].self, from: data)
    }

    /// Publishes the current master's public key of each tenant as retired, then replaces the
    /// master (one rename: Doorstep keeps no copy of its secret; backups of the folder may).
    /// Returns the number of keys retired.
    public static func rotate(folder: String, tenantIDs: [String]) throws -> Int {
        try KeyFile.whileRotating(in: folder) { try rotateLocked(folder: folder, tenantIDs: tenantIDs) }
    }

    private static func rotateLocked(folder: String, tenantIDs: [String]) throws -> Int {
        let old = try ReceiptSigner.loadOrCreate(folder: folder)
        let known = try retired(in: folder)
        let retiring = tenantIDs.map { old.publicKey(tenantID: $0) }.filter { key in !known.contains(key) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Public keys first: a receipt signed with the old master must never be left without one.
        try KeyFile.replace(at: folder + "/" + retiredName, with: try encoder.encode(known + retiring))
        try KeyFile.replace(at: folder + "/" + masterName, with: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        return retiring.count
    }
}
