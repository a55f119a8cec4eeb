import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func recordPhoto(
        _ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?, raising: RaisedCase?
    ) async throws -> RecordPhotoResult {
        let engine = source.engine
        return try await source.withTransaction { db in
            if let claim = idempotency {
                // Claiming the key first makes a concurrent twin wait on the row lock, then see it taken.
                let claimed = try await db.insertIfAbsent("""
                    INSERT INTO idempotency_keys (courier_id, idempotency_key, fingerprint, photo_id, created_at)
                    VALUES (\(bind: claim.courierID), \(bind: claim.key), \(bind: claim.fingerprint),
                            \(bind: claim.photoID), \(bind: photo.createdAt.epochMilliseconds))
                    ON CONFLICT DO NOTHING RETURNING 1 AS inserted
                    """)
                if !claimed, let existing = try await Self.claim(courierID: claim.courierID, key: claim.key, on: db) {
                    return .duplicate(existing)
                }
            }
            let now = photo.createdAt.epochMilliseconds
            // The delivery's row lock first (as an attempt or a handover takes it): concurrent photos
            // of one delivery then agree on which of them made it delivered.
            guard let before = try await db.raw("""
                UPDATE deliveries SET state = state WHERE id = \(bind: photo.deliveryID) RETURNING state, tenant_id, first_delivered_at
                """).first()
            else { throw DoorstepError.notFound }
            let wasDelivered = try before.decode(column: "state", as: String.self) == DeliveryState.delivered.rawValue
            // A photo for a delivery already delivered (without one, or a retake) can change the
            // outcome the dashboard kept for the hour it was delivered in: counted again.
            if wasDelivered, let delivered = try before.decode(column: "first_delivered_at", as: Int64?.self) {
                try await Self.forgetKeptHour(
                    tenantID: try before.decode(column: "tenant_id", as: String.self), at: Int(delivered), engine: engine, on: db)
            }
            // The photo this one replaces in its slot (a retake), retired in the same statement that names its blobs.
            let retired = try await db.raw("""
                UPDATE photos SET deleted_at = \(bind: now), deleted_reason = \(bind: PhotoDeletionReason.replaced.rawValue), wrapped_key = NULL
                WHERE delivery_id = \(bind: photo.deliveryID) AND deleted_at IS NULL AND kind = 'parcel' AND slot = \(bind: photo.slot)
                RETURNING display_key, thumbnail_key
                """).all(decoding: BlobKeysRow.self, with: snakeCase).flatMap { [$0.displayKey, $0.thumbnailKey] }
            // Checked again here, after the UPDATE above has waited for any concurrent change to this
            // delivery's photos: the customer may have deleted the photo, or the recipient been
            // erased, while this upload was read and processed. Either stands; nothing is recorded.
            // An open case holds the photo it is about: a retake would let the party in dispute
            // replace the evidence (the retire above rolls back with the refusal).
            let closed = try await db.raw("""
                SELECT (SELECT COUNT(*) FROM photos WHERE delivery_id = \(bind: photo.deliveryID) AND kind = 'parcel'
                            AND deleted_reason = \(bind: PhotoDeletionReason.customerLink.rawValue)) AS deleted,
                       (SELECT COUNT(*) FROM deliveries WHERE id = \(bind: photo.deliveryID) AND erased_at IS NOT NULL) AS erased,
                       (SELECT COUNT(*) FROM problem_reports WHERE delivery_id = \(bind: photo.deliveryID) AND resolved_at IS NULL) AS held,
                       (SELECT COUNT(*) FROM deliveries WHERE id = \(bind: photo.deliveryID) AND drop_kind = \(bind: DropChoice.Kind.neighbour.rawValue)) AS neighbour,
                       (SELECT COUNT(*) FROM photos WHERE delivery_id = \(bind: photo.deliveryID) AND kind = 'parcel'
                            AND deleted_at IS NULL) AS others,
                       (SELECT COUNT(*) FROM deliveries WHERE id = \(bind: photo.deliveryID) AND handed_over_at IS NOT NULL) AS handed
                """).first()
            if try closed?.decode(column: "deleted", as: Int.self) ?? 0 > 0 { throw DoorstepError.photoNotAllowed(.deletedByCustomer) }
            if try closed?.decode(column: "erased", as: Int.self) ?? 0 > 0 { throw DoorstepError.notFound }
            // Handed over in person (a code, a signature): that is the proof, and no photo follows it.
            if try closed?.decode(column: "handed", as: Int.self) ?? 0 > 0 {
                throw DoorstepError.conflict(reason: "this parcel was handed over in person: no photo is taken")
            }
            // Nor may a further photo be added beside one in dispute (a photo where none is left, say
            // expired, is taken: the case then finds it).
            let others = try closed?.decode(column: "others", as: Int.self) ?? 0
            if try closed?.decode(column: "held", as: Int.self) ?? 0 > 0, !retired.isEmpty || others > 0 {
                throw DoorstepError.photoNotAllowed(.heldByCase)
            }
            // The recipient may have withdrawn a neighbour while this photo was processed.
            if photo.placement == .withNeighbour, try closed?.decode(column: "neighbour", as: Int.self) ?? 0 == 0 {
                try DropChoice.check(photo.placement, for: nil)
            }
            // The delivery's other photos (the close-up, then where it stands) add to a delivery
            // already announced: the recipient hears "delivered" once, not once per photo. A
            // delivery's only photo announces as before, retakes included (the tenant learns the new id).
            let announce = !wasDelivered || others == 0
            try await Self.insertPhoto(photo, on: db)
            if let ticket = photo.captureTicket {
                try await db.raw("""
                    UPDATE capture_tickets SET photo_id = \(bind: photo.id) WHERE digest = \(bind: ticket) AND photo_id IS NULL
                    """).run()
            }
            if !photo.reuse.isEmpty {
                let rows = photo.reuse.map { match -> SQLQueryString in
                    """
                    (\(bind: photo.id), \(bind: match.photoID), \(bind: match.deliveryID), \(bind: match.distance),
                     \(bind: match.sameCourier ? 1 : 0), \(bind: match.sameAddress ? 1 : 0))
                    """
                }
                try await db.raw("""
                    INSERT INTO reuse_flags (photo_id, matched_photo_id, matched_delivery_id, distance, same_courier, same_address)
                    VALUES \(rows.joined(separator: ", "))
                    """).run()
            }
            // The delivery as it now stands comes back with the update: no read after the commit.
            // Where the parcel is comes from the first slot's photo (or the announcing one); when it
            // was delivered, from the announcing photo: a later photo of another slot leaves it.
            let placement: SQLQueryString = announce || photo.slot == 1
                ? "placement = \(bind: photo.placement.rawValue), note = \(bind: photo.note), " : ""
            let update: SQLQueryString = announce
                ? "\(placement)delivered_at = \(bind: now), first_delivered_at = COALESCE(first_delivered_at, \(bind: now))"
                : "\(placement)delivered_at = COALESCE(delivered_at, \(bind: now)), first_delivered_at = COALESCE(first_delivered_at, \(bind: now))"
            guard let delivery = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.delivered.rawValue), \(update)
                WHERE id = \(bind: photo.deliveryID)
                RETURNING \(unsafeRaw: DeliveryRow.columns)
                """).first(decoding: DeliveryRow.self, with: snakeCase)?.delivery()
            else { throw DoorstepError.notFound }
            // After the delivery's row lock (taken above, as a recipient's report takes it), so
            // concurrent uploads open one case between them.
            var openedCase = false
            if let raising, try await Self.openRaisedCase(raising.report, on: db) {
                try await Self.enqueue([raising.event], on: db)
                openedCase = true
            }
            if announce { try await Self.enqueue(events, on: db) }
            if let audit { try await Self.insertAccess(audit, on: db) }
            return .recorded(retired: retired, delivery: delivery, openedCase: openedCase, announced: announce)
        }
    }

    /// The photo's row (with its `attemptID` for the door photo of a failed attempt).
    static func insertPhoto(_ photo: Photo, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO photos (id, delivery_id, tenant_id, courier_id, placement, note, captured_at,
                image_latitude, image_longitude, device_latitude, device_longitude, distance_to_address,
                mean_brightness, display_key, display_width, display_height, display_bytes, display_sha256,
                thumbnail_key, thumbnail_width, thumbnail_height, thumbnail_bytes, thumbnail_sha256, created_at,
                wrapped_key, kek_version, expires_at, sharpness, quality_issues, perceptual_hash, location_verdict,
                capture_ticket, freshness, faces_redacted, people_redacted, attempt_id, slot, kind)
            VALUES (\(bind: photo.id), \(bind: photo.deliveryID), \(bind: photo.tenantID), \(bind: photo.courierID),
                \(bind: photo.placement.rawValue), \(bind: photo.note), \(bind: photo.capturedAt?.epochMilliseconds),
                \(bind: photo.imagePosition?.latitude), \(bind: photo.imagePosition?.longitude),
                \(bind: photo.devicePosition?.latitude), \(bind: photo.devicePosition?.longitude),
                \(bind: photo.distanceToAddress), \(bind: photo.quality.meanBrightness),
                \(bind: photo.display.blobKey), \(bind: photo.display.width), \(bind: photo.display.height),
                \(bind: photo.display.byteCount), \(bind: photo.display.sha256),
                \(bind: photo.thumbnail.blobKey), \(bind: photo.thumbnail.width), \(bind: photo.thumbnail.height),
                \(bind: photo.thumbnail.byteCount), \(bind: photo.thumbnail.sha256), \(bind: photo.createdAt.epochMilliseconds),
                \(bind: photo.dataKey.sealed), \(bind: photo.dataKey.kekVersion), \(bind: photo.expiresAt.epochMilliseconds),
                \(bind: photo.quality.sharpness), \(bind: PhotoRow.encode(photo.quality.issues)),
                \(bind: Int64(bitPattern: photo.perceptualHash)), \(bind: photo.locationVerdict.rawValue),
                \(bind: photo.captureTicket), \(bind: photo.freshness.rawValue), \(bind: photo.redaction.storedFaces),
                \(bind: photo.redaction.storedPeople), \(bind: photo.attemptID),
                \(bind: photo.slot), \(bind: photo.kind.rawValue))
            """).run()
    }

    public func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim? {
        try await source.withConnection { db in try await Self.claim(courierID: courierID, key: key, on: db) }
    }

    private static func claim(courierID: String, key: String, on db: any SQLDatabase) async throws -> IdempotencyClaim? {
        try await db.raw("""
            SELECT courier_id, idempotency_key, fingerprint, photo_id FROM idempotency_keys
            WHERE courier_id = \(bind: courierID) AND idempotency_key = \(bind: key)
            """).first(decoding: ClaimRow.self, with: snakeCase)
            .map { IdempotencyClaim(courierID: $0.courierId, key: $0.idempotencyKey, fingerprint: $0.fingerprint, photoID: $0.photoId) }
    }

    public func photo(id: String) async throws -> Photo? {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: PhotoRow.columns) FROM photos WHERE id = \(bind: id) AND deleted_at IS NULL")
                .first(decoding: PhotoRow.self, with: snakeCase)?.photo()
        }
    }

    public func currentPhoto(deliveryID: String) async throws -> Photo? {
        try await currentPhotos(deliveryID: deliveryID).first
    }

    public func currentPhotos(deliveryID: String) async throws -> [Photo] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: PhotoRow.columns) FROM photos WHERE delivery_id = \(bind: deliveryID) AND deleted_at IS NULL
                  AND kind = 'parcel' ORDER BY slot, created_at, id
                """).all(decoding: PhotoRow.self, with: snakeCase).map { try $0.photo() }
        }
    }

    public func liveBlobKeys(ofPhotos ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await source.withConnection { db in
            var live = Set<String>()
            // Bounded batches keep the statement under every engine's bind-parameter limit.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let batch = ids[start..<min(start + 500, ids.count)]
                let list = SQLList(batch.map { SQLBind($0) })
                let rows = try await db.raw("""
                    SELECT display_key, thumbnail_key, deleted_at, proof_key FROM photos
                    WHERE (deleted_at IS NULL OR proof_key IS NOT NULL) AND id IN (\(list))
                    """).all(decoding: LiveBlobsRow.self, with: snakeCase)
                for row in rows {
                    if row.deletedAt == nil { live.formUnion([row.displayKey, row.thumbnailKey]) }
                    if let proof = row.proofKey { live.insert(proof) }
                }
            }
            return live
        }
    }
}

struct BlobKeysRow: Decodable {
    var displayKey: String
    var thumbnailKey: String
}

struct LiveBlobsRow: Decodable {
    var displayKey: String
    var thumbnailKey: String
    var deletedAt: Int64?
    var proofKey: String?
}

struct ClaimRow: Decodable {
    var courierId: String
    var idempotencyKey: String
    var fingerprint: String
    var photoId: String
}

struct PhotoRow: Decodable {
    static let columns = columnList([
        "id", "delivery_id", "tenant_id", "courier_id", "placement", "note", "captured_at", "image_latitude",
        "image_longitude", "device_latitude", "device_longitude", "distance_to_address", "mean_brightness",
        "display_key", "display_width", "display_height", "display_bytes", "display_sha256",
        "thumbnail_key", "thumbnail_width", "thumbnail_height", "thumbnail_bytes", "thumbnail_sha256", "created_at",
        "wrapped_key", "kek_version", "expires_at", "sharpness", "quality_issues", "perceptual_hash", "location_verdict",
        "capture_ticket", "freshness", "faces_redacted", "people_redacted", "attempt_id", "slot", "kind",
    ], of: nil)

    var id: String
    var deliveryId: String
    var tenantId: String
    var courierId: String
    var placement: String
    var note: String?
    var capturedAt: Int64?
    var imageLatitude: Double?
    var imageLongitude: Double?
    var deviceLatitude: Double?
    var deviceLongitude: Double?
    var distanceToAddress: Double?
    var meanBrightness: Double
    var displayKey: String
    var displayWidth: Int
    var displayHeight: Int
    var displayBytes: Int
    var displaySha256: String
    var thumbnailKey: String
    var thumbnailWidth: Int
    var thumbnailHeight: Int
    var thumbnailBytes: Int
    var thumbnailSha256: String
    var createdAt: Int64
    var wrappedKey: String?
    var kekVersion: Int?
    var expiresAt: Int64?
    var sharpness: Double
    var qualityIssues: String
    var perceptualHash: Int64
    var locationVerdict: String
    var captureTicket: String?
    var freshness: String
    var facesRedacted: Int?
    var peopleRedacted: Int?
    var attemptId: String?
    var slot: Int
    var kind: String

    /// Issues as a comma-separated list of their codes ("" when none).
    static func encode(_ issues: [QualityIssue]) -> String { issues.map(\.rawValue).joined(separator: ",") }

    /// Only live photos are read through this: they always have their key and expiry.
    func photo() throws -> Photo {
        guard let wrappedKey, let kekVersion, let expiresAt else { throw BlobStoreError(description: "photo row without a data key") }
        func position(_ lat: Double?, _ lon: Double?) throws -> Coordinate? {
            guard let lat, let lon else { return nil }
            return try Coordinate(latitude: lat, longitude: lon)
        }
        var photo = Photo(
            id: id, deliveryID: deliveryId, tenantID: tenantId, courierID: courierId,
            placement: Placement(rawValue: placement) ?? .other, note: note,
            capturedAt: capturedAt.map(Date.init(epochMilliseconds:)),
            imagePosition: try position(imageLatitude, imageLongitude),
            devicePosition: try position(deviceLatitude, deviceLongitude),
            distanceToAddress: distanceToAddress,
            locationVerdict: LocationVerdict(rawValue: locationVerdict) ?? .unknown,
            quality: PhotoQuality(meanBrightness: meanBrightness, sharpness: sharpness,
                                  issues: qualityIssues.split(separator: ",").compactMap { QualityIssue(rawValue: String($0)) }),
            perceptualHash: UInt64(bitPattern: perceptualHash),
            display: PhotoVariant(blobKey: displayKey, width: displayWidth, height: displayHeight,
                                  byteCount: displayBytes, sha256: displaySha256),
            thumbnail: PhotoVariant(blobKey: thumbnailKey, width: thumbnailWidth, height: thumbnailHeight,
                                    byteCount: thumbnailBytes, sha256: thumbnailSha256),
            dataKey: WrappedDataKey(kekVersion: kekVersion, sealed: wrappedKey),
            createdAt: Date(epochMilliseconds: createdAt), expiresAt: Date(epochMilliseconds: expiresAt),
            captureTicket: captureTicket, freshness: Freshness(rawValue: freshness) ?? .noTicket,
            redaction: Redaction(storedFaces: facesRedacted, people: peopleRedacted)
        )
        photo.attemptID = attemptId
        photo.slot = slot
        // A kind this version does not know is not the delivery's photo: the cautious reading.
        photo.kind = PhotoKind(rawValue: kind) ?? .door
        return photo
    }
}

extension SQLMetadataStore {
    public func deletePhoto(id: String, reason: PhotoDeletionReason, at: Date, events: [OutboxEvent]) async throws -> [String]? {
        try await source.withTransaction { db in
            // One conditional statement: of several processes deleting the same photo, exactly one
            // gets the row back, announces it, and goes on to delete its blobs.
            let keys = try await db.raw("""
                UPDATE photos SET deleted_at = \(bind: at.epochMilliseconds), deleted_reason = \(bind: reason.rawValue), wrapped_key = NULL,
                    note = CASE WHEN kind = 'signature' THEN NULL ELSE note END
                WHERE id = \(bind: id) AND deleted_at IS NULL\(unsafeRaw: reason == .expired ? " AND " + Self.notHeld : "")
                RETURNING display_key, thumbnail_key
                """).first(decoding: BlobKeysRow.self, with: snakeCase).map { [$0.displayKey, $0.thumbnailKey] }
            if keys != nil { try await Self.enqueue(events, on: db) }
            return keys
        }
    }

    public func expiredPhotoIDs(now: Date, limit: Int) async throws -> [String] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT id FROM photos WHERE deleted_at IS NULL AND expires_at <= \(bind: now.epochMilliseconds)
                  AND \(unsafeRaw: Self.notHeld)
                ORDER BY expires_at LIMIT \(bind: limit)
                """).all().map { try $0.decode(column: "id", as: String.self) }
        }
    }

    public func photoProofs(deliveryID: String) async throws -> [PhotoProof] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT id, delivery_id, placement, created_at, captured_at, display_sha256, distance_to_address,
                       expires_at, deleted_at, deleted_reason, location_verdict, quality_issues, freshness, faces_redacted,
                       people_redacted, proof_key, proof_until, attempt_id, slot, kind, note
                FROM photos WHERE delivery_id = \(bind: deliveryID) ORDER BY created_at, id
                """).all(decoding: ProofRow.self, with: snakeCase).map(\.proof)
        }
    }
}

struct ProofRow: Decodable {
    var id: String
    var deliveryId: String
    var placement: String
    var createdAt: Int64
    var capturedAt: Int64?
    var displaySha256: String
    var distanceToAddress: Double?
    var expiresAt: Int64?
    var deletedAt: Int64?
    var deletedReason: String?
    var locationVerdict: String
    var qualityIssues: String
    var freshness: String
    var facesRedacted: Int?
    var peopleRedacted: Int?
    var proofKey: String?
    var proofUntil: Int64?
    var attemptId: String?
    var slot: Int
    var kind: String
    var note: String?

    var proof: PhotoProof {
        var proof = PhotoProof(
            photoID: id, deliveryID: deliveryId, placement: Placement(rawValue: placement) ?? .other,
            uploadedAt: Date(epochMilliseconds: createdAt), capturedAt: capturedAt.map(Date.init(epochMilliseconds:)),
            sha256: displaySha256, distanceToAddress: distanceToAddress,
            expiresAt: Date(epochMilliseconds: expiresAt ?? createdAt), deletedAt: deletedAt.map(Date.init(epochMilliseconds:)),
            deletedReason: deletedReason.flatMap(PhotoDeletionReason.init(rawValue:)), locationVerdict: LocationVerdict(rawValue: locationVerdict) ?? .unknown,
            qualityIssues: qualityIssues.split(separator: ",").compactMap { QualityIssue(rawValue: String($0)) },
            freshness: Freshness(rawValue: freshness) ?? .noTicket, redaction: Redaction(storedFaces: facesRedacted, people: peopleRedacted),
            proofThumbnailUntil: proofKey == nil ? nil : proofUntil.map(Date.init(epochMilliseconds:)), attemptID: attemptId)
        proof.slot = slot
        proof.kind = PhotoKind(rawValue: kind) ?? .door
        // A photo's note is the courier's; a signature's is the name its signer wrote.
        if proof.kind == .signature, deletedAt == nil { proof.signedBy = note }
        return proof
    }
}

extension Redaction {
    /// Stored as two columns: the faces and the people pixelated; faces NULL when the photo was
    /// not searched (a `people_policy` of `off`, or a photo older than redaction), people NULL
    /// when it was searched for faces only (before people were looked for: none pixelated, and
    /// `peopleSearched` false).
    var storedFaces: Int? { searched ? faces : nil }
    var storedPeople: Int? { searched && peopleSearched ? people : nil }

    init(storedFaces faces: Int?, people: Int?) {
        self = faces.map { Redaction(faces: $0, people: people ?? 0) } ?? .notSearched
        if faces != nil && people == nil { peopleSearched = false }
    }
}
