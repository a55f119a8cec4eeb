import Hummingbird

/// The API contract (`Assets/api/openapi.json`, OpenAPI 3.1) as machines read it, and the
/// reference people read (`Assets/api/api-reference.html`, generated from it by
/// `scripts/api-docs` along with docs/api.md; the tests fail when either is stale). Both are
/// public: they describe the API, they hold nothing of anyone's.
struct APIDocsController {
    // Computed once: the files are fixed for the life of the binary.
    static let documentTag = EntityTag.of(Array(Assets.openAPI.utf8))
    static let referenceTag = EntityTag.of(Array(Assets.apiReference.utf8))

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("api/v1/openapi.json") { request, _ in
            // no-cache: clients keep it and revalidate, so a new version is seen at once.
            var document = Assets.response(Assets.openAPI, type: "application/json")
            document.headers[.cacheControl] = "no-cache"
            return EntityTag.apply(to: document, tag: Self.documentTag, request: request)
        }
        router.get("docs") { request, _ in
            var page = Assets.response(Assets.apiReference, type: "text/html; charset=utf-8")
            page.headers[.contentSecurityPolicy] = WebAppsController.contentSecurityPolicy()
            return EntityTag.apply(to: page, tag: Self.referenceTag, request: request)
        }
        router.get("docs/api-reference.css") { _, _ in Assets.response(Assets.apiReferenceCSS, type: "text/css; charset=utf-8") }
    }
}
