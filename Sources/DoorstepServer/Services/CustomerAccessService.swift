import DoorstepCore
import DoorstepStorage
import Foundation

/// What a customer holding a signed link may see. The link is checked before any lookup, so a
/// forged or expired link costs one HMAC and reveals nothing.
public struct CustomerAccessService: Sendable {
    let dependencies: AppDependencies

    public struct View: Sendable {
        public var delivery: Delivery
        public var photo: Photo?
    }

    public func view(deliveryID: String, expires: String?, signature: String?) async throws -> View {
        try dependencies.links.verify(deliveryID: deliveryID, expires: expires, mac: signature, now: dependencies.effects.now())
        guard let delivery = try await dependencies.store.delivery(id: deliveryID) else { throw DoorstepError.notFound }
        return View(delivery: delivery, photo: try await dependencies.store.currentPhoto(deliveryID: deliveryID))
    }

    public func photoBytes(
        deliveryID: String, variant: Photo.VariantKind, expires: String?, signature: String?
    ) async throws -> [UInt8] {
        try dependencies.links.verify(deliveryID: deliveryID, expires: expires, mac: signature, now: dependencies.effects.now())
        guard let photo = try await dependencies.store.currentPhoto(deliveryID: deliveryID),
              let bytes = try await dependencies.blobs.get(photo.variant(variant).blobKey)
        else { throw DoorstepError.notFound }
        return bytes
    }
}
