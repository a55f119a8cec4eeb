import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepServices
import Foundation
import Hummingbird
import Synchronization

/// The courier API: log in, list today's stops, upload the photo of a stop (plain or sealed),
/// mark a stop delivered where no photo may be taken or handed over with the code, or record a
/// failed attempt.
struct CourierAPIController {
    let accounts: AccountService
    let deliveries: DeliveryService
    let ingest: PhotoIngestService
    let evidence: EvidenceService
    let links: CustomerLinks
    let uploadKeys: UploadKeyRing
    let uploadBody: UploadBody
    let uploadBudget: UploadBudget
    let diskSpace: DiskSpaceGuard
    let rateLimits: RateLimits
    let metrics: AppMetrics

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("login", use: login)
        group.get("upload-key", use: publishUploadKey)
        let courierOnly = group.group().add(middleware: BearerAuthenticator.couriers(accounts))
        courierOnly.get("deliveries", use: stops)
        courierOnly.post("deliveries/:id/photo", use: upload)
        courierOnly.get("deliveries/:id/photo", use: uploadedPhoto)
        courierOnly.post("deliveries/:id/delivered", use: deliveredWithoutPhoto)
        courierOnly.post("deliveries/:id/handover", use: handOver)
        courierOnly.post("deliveries/:id/signature", use: signature)
        courierOnly.post("deliveries/:id/attempts", use: attempt)
        courierOnly.post("deliveries/:id/capture-ticket", use: captureTicket)
    }

    /// Asked when the courier taps "Delivered": the photo must be taken within minutes of it.
    @Sendable func captureTicket(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        try rateLimits.check(.ticket, courier.id)
        let delivery = try await ingest.authorize(deliveryID: context.parameters.get("id") ?? "", for: courier)
        let issued = try await evidence.issueTicket(for: delivery, courier: courier)
        return try JSONResponse.make(TicketResource(ticket: issued.ticket, expiresAt: issued.expiresAt), status: .created)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        // A username and a password: 4 KB is plenty, and a slow trickle of a big body costs nothing.
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context, limit: 4096)
        let session = try await rateLimits.signIn(from: context.clientKey) {
            try await accounts.login(username: body.username, password: body.password)
        }
        return try JSONResponse.make(session)
    }

    /// Public: the key the courier's page seals photos to. The page keeps it, so it can seal
    /// while offline.
    @Sendable func publishUploadKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = uploadKeys.current
        return try JSONResponse.make(UploadKeyResource(
            id: Base64URL.encode(key.id), algorithm: "ECDH-P256+HKDF-SHA256+A256GCM", publicKey: Base64URL.encode(key.publicKey)))
    }

    /// Today's stops in route order, each with its photo policy.
    @Sendable func stops(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        // Couriers get what they need at the door, not the recipient's email; and for each stop
        // whether a photo may be taken (no camera for a recipient who said no).
        let settings = try await deliveries.settings(tenantID: courier.tenantID)
        let items = try await deliveries.stops(of: courier).map { delivery, policy in
            var resource = DeliveryResource.forCourier(delivery, uploadURL: links.uploadURL(for: delivery))
            resource.photoPolicy = policy.code
            resource.photosPerDelivery = settings.photosPerDelivery
            resource.handoverProof = settings.handoverProof
            return resource
        }
        return try JSONResponse.make(DeliveryPage(items: items, nextCursor: nil))
    }

    /// The body is the image itself, or the image sealed to the upload key
    /// (`application/vnd.doorstep.sealed-photo`); placement, note and position are query parameters.
    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        try rateLimits.check(.upload, courier.id)
        let deliveryID = context.parameters.get("id") ?? ""
        let details = try PhotoUploadDetails(parameters: request.uri.queryParameters.reduce(into: [:]) {
            $0[String($1.key)] = String($1.value)
        })
        let key = try IdempotencyKey.validate(request.headers[.idempotencyKey])
        // Authorise before reading the body: a stranger's upload, or one for a recipient who said
        // no to photos, is not read at all.
        let delivery = try await ingest.authorize(deliveryID: deliveryID, for: courier, slot: details.slot)
        let outcome = try await withImageBody(request, delivery: delivery, courier: courier) { bytes in
            try await ingest.upload(bytes, to: delivery, details: details, idempotencyKey: key, by: courier)
        }
        metrics.photoUpload(outcome.replayed ? "replayed" : "stored")
        var headers: HTTPFields = [:]
        headers[.location] = "/api/v1/courier/deliveries/\(deliveryID)/photo" + (details.slot > 1 ? "?slot=\(details.slot)" : "")
        if outcome.replayed { headers[.idempotentReplayed] = "true" }
        let result = UploadResult(
            delivery: .forCourier(outcome.delivery, photo: outcome.photo), photo: PhotoResource(outcome.photo))
        // A replay answers exactly as the original did (201), marked by Idempotent-Replayed.
        return try JSONResponse.make(result, status: .created, headers: headers)
    }

    /// The image body of an upload, plain or sealed to the upload key for this delivery, read
    /// within the upload memory budget; `use` runs while its room is held (until it is stored).
    private func withImageBody<Result>(
        _ request: Request, delivery: Delivery, courier: Courier, _ use: ([UInt8]) async throws -> Result
    ) async throws -> Result {
        let contentType = request.headers[.contentType].map { $0.split(separator: ";", omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces) }
        let sealed = contentType == SealedUpload.mediaType
        if let contentType, !sealed, ImageFormat.fromMediaType(contentType) == nil {
            throw DoorstepError.unsupportedMediaType
        }
        try diskSpace.checkRoom()
        let limit = uploadBody.limit + (sealed ? SealedUpload.overhead : 0)
        // Room in the upload memory before the first byte is read, held until the photo is stored.
        // A sealed body and the image opened from it are both held for a moment: twice its size.
        let declared = try UploadBody.declaredLength(request, limit: limit)
        let charge = declared ?? limit
        let permit = try await uploadBudget.admit(bytes: sealed ? 2 * charge : charge, holder: courier.id)
        defer { permit.release() }
        var bytes = try await uploadBody.read(request, declared: declared, limit: limit)
        if sealed {
            do { bytes = try uploadKeys.open(bytes, deliveryID: delivery.id) } catch { throw DoorstepError.sealedUploadInvalid }
        }
        return try await use(bytes)
    }

    /// A failed attempt: `reason` (and `note`, `lat`/`lon`) as query parameters, the door photo as
    /// the body (plain or sealed, as an upload), or no body at all where no photo may be taken.
    @Sendable func attempt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        try rateLimits.check(.upload, courier.id)
        let parameters = request.uri.queryParameters.reduce(into: [String: String]()) { $0[String($1.key)] = String($1.value) }
        guard let reason = parameters["reason"].flatMap(DeliveryAttempt.Reason.init(rawValue:)) else {
            throw DoorstepError.invalidInput(
                field: "reason", reason: "must be one of \(DeliveryAttempt.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let position = try PhotoUploadDetails.position(parameters)
        let delivery = try await ingest.assignedDelivery(context.parameters.get("id") ?? "", to: courier)
        // No Content-Type and no length: an attempt without a photo.
        let hasPhoto = request.headers[.contentType] != nil || (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0
        // Refused before a byte of the photo is read where it could not be recorded anyway.
        try await ingest.authorizeAttempt(delivery, withPhoto: hasPhoto, note: parameters["note"])
        let outcome = hasPhoto
            ? try await withImageBody(request, delivery: delivery, courier: courier) { bytes in
                try await ingest.recordAttempt(bytes, to: delivery, reason: reason, note: parameters["note"], devicePosition: position, by: courier)
            }
            : try await ingest.recordAttempt(nil, to: delivery, reason: reason, note: parameters["note"], devicePosition: position, by: courier)
        let result = AttemptResult(
            delivery: .forCourier(delivery), attempt: AttemptResource(outcome.attempt), photo: outcome.photo.map(PhotoResource.init))
        return try JSONResponse.make(result, status: .created)
    }

    /// What an upload's Location names: the stop and its photo's details as the upload answered
    /// them, for a client that lost the answer. Never the image: the phone keeps no copy.
    @Sendable func uploadedPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let delivery = try await ingest.assignedDelivery(context.parameters.get("id") ?? "", to: try context.requireCourier())
        let slot = try PhotoSlot.parse(request.uri.queryParameters["slot"].map(String.init))
        guard let photo = try await deliveries.photos(of: delivery).first(where: { $0.slot == slot }) else { throw DoorstepError.notFound }
        return try JSONResponse.make(
            UploadResult(delivery: .forCourier(delivery, photo: photo), photo: PhotoResource(photo)), validating: request)
    }

    /// Delivered without a photo: where the recipient said no, photos are off, or the camera failed.
    @Sendable func deliveredWithoutPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        let delivery = try await ingest.assignedDelivery(context.parameters.get("id") ?? "", to: courier)
        let body = try await request.decodeJSON(as: DeliveredRequest.self, context: context)
        let updated = try await deliveries.markDeliveredWithoutPhoto(delivery, placement: body.placement, note: body.note)
        return try JSONResponse.make(DeliveryResource.forCourier(updated))
    }

    /// Handed over in person: the courier types the code the recipient gives them; no photo.
    @Sendable func handOver(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        let delivery = try await ingest.assignedDelivery(context.parameters.get("id") ?? "", to: courier)
        let body = try await request.decodeJSON(as: HandoverRequest.self, context: context, limit: 4096)
        let updated = try await deliveries.handOver(delivery, code: body.code, note: body.note)
        return try JSONResponse.make(DeliveryResource.forCourier(updated))
    }
}

extension CourierAPIController {
    /// Handed over against the recipient's signature, where the tenant takes signatures: the
    /// drawing as the body (a JPEG, plain or sealed like a photo); `name` (printed beside it,
    /// optional) and `note` as query parameters. Sent online, like a handover code.
    @Sendable func signature(_ request: Request, context: AppRequestContext) async throws -> Response {
        let courier = try context.requireCourier()
        try rateLimits.check(.upload, courier.id)
        let query = request.uri.queryParameters
        let delivery = try await ingest.authorizeSignature(
            deliveryID: context.parameters.get("id") ?? "", for: courier, signer: query["name"].map(String.init), note: query["note"].map(String.init))
        let outcome = try await withImageBody(request, delivery: delivery, courier: courier) { bytes in
            try await ingest.recordSignature(
                bytes, to: delivery, signer: query["name"].map(String.init), note: query["note"].map(String.init), by: courier)
        }
        let result = SignatureResult(delivery: .forCourier(outcome.delivery), signature: PhotoResource(outcome.signature))
        return try JSONResponse.make(result, status: .created)
    }
}

struct HandoverRequest: Decodable {
    var code: String
    var note: String?
}

struct UploadKeyResource: Encodable {
    var id: String
    var algorithm: String
    var publicKey: String

    enum CodingKeys: String, CodingKey {
        case id, algorithm, publicKey = "public_key"
    }
}

struct DeliveredRequest: Decodable {
    var placement: Placement
    var note: String?
}

/// Reads an upload body as it streams in, refusing it the moment it passes the limit, so an
/// oversized upload costs at most `limit` bytes of memory, or as soon as it falls behind
/// `minimumRate` bytes a second on average after `grace` (10 s by default), so a client that
/// drips its body cannot keep its share of the upload memory: a watch beside the read checks
/// twice a second, whether or not a byte arrives.
struct UploadBody {
    /// The largest image (a sealed one may be `SealedUpload.overhead` larger).
    let limit: Int
    let minimumRate: Int
    let grace: Duration

    /// The body's declared size (nil when it is sent chunked), refused at once past the limit.
    static func declaredLength(_ request: Request, limit: Int) throws -> Int? {
        guard let declared = request.headers[.contentLength].flatMap(Int.init) else { return nil }
        guard declared <= limit else { throw DoorstepError.payloadTooLarge(limit: limit) }
        return declared
    }

    /// The whole body; `declared` is what `declaredLength` found (already checked against `limit`).
    func read(_ request: Request, declared: Int?, limit: Int) async throws -> [UInt8] {
        let received = Received()
        let bytes = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await Self.collect(request, declared: declared, limit: limit, received: received) }
            group.addTask {
                try await watch(received)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else { throw DoorstepError.incompleteUpload }
            return bytes
        }
        guard !bytes.isEmpty else { throw DoorstepError.unsupportedMediaType }
        return bytes
    }

    /// Returns never on its own: throws `uploadTooSlow` once `received` falls behind the rate.
    private func watch(_ received: Received) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        try await Task.sleep(for: grace)
        while true {
            let seconds = (clock.now - start - grace) / .seconds(1)
            if Double(received.bytes.load(ordering: .relaxed)) < Double(minimumRate) * seconds {
                throw DoorstepError.uploadTooSlow(minimumRate: minimumRate)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Bytes read so far, shared between the read and its watch.
    final class Received: Sendable {
        let bytes = Atomic<Int>(0)
    }

    private static func collect(_ request: Request, declared: Int?, limit: Int, received: Received) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let declared { bytes.reserveCapacity(declared) }
        do {
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= limit else { throw DoorstepError.payloadTooLarge(limit: limit) }
                bytes.append(contentsOf: buffer.readableBytesView)
                received.bytes.store(bytes.count, ordering: .relaxed)
            }
        } catch let error as DoorstepError {
            throw error
        } catch {
            // The connection closed mid-body (or the watch gave up on it): nothing was stored.
            throw DoorstepError.incompleteUpload
        }
        return bytes
    }
}
