import Foundation
import DoorstepServices
import DoorstepStorage
import Hummingbird

/// Liveness (the process answers) and readiness (its stores answer too).
struct HealthController {
    let store: any DatabaseStore
    let blobs: any BlobStore
    let diskSpace: DiskSpaceGuard

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("readyz") { _, _ in
            var checks: [String: String] = [:]
            do { try await store.ping(); checks["database"] = "ok" } catch { checks["database"] = "failing" }
            do { try await blobs.ping(); checks["blobs"] = "ok" } catch { checks["blobs"] = "failing" }
            // A disk below its watermark takes the server out of rotation: it cannot store photos.
            checks["disk"] = diskSpace.isLow() ? "low" : "ok"
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return try JSONResponse.make(checks, status: ready ? .ok : .serviceUnavailable)
        }
    }
}
