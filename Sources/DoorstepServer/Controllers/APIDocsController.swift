import Hummingbird

/// The API contract (`Assets/api/openapi.json`, OpenAPI 3.1) as machines read it, and the
/// reference people read (`Assets/api/api-reference.html`, generated from it by
/// `scripts/api-docs` along with docs/api.md; the tests fail when either is stale). Both are
/// public: they describe the API, they hold nothing of anyone's.
struct APIDocsController {
    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("api/v1/openapi.json") { request, _ in
            // no-cache: clients keep it and revalidate, so a new version is seen at once.
            var document = Assets.response(Assets.openAPI, type: "application/json")
            document.headers[.cacheControl] = "no-cache"
            return EntityTag.apply(to: document, body: Array(Assets.openAPI.utf8), request: request)
        }
        router.get("docs") { request, _ in
            var page = Assets.response(Assets.apiReference, type: "text/html; charset=utf-8")
            page.headers[.contentSecurityPolicy] = WebAppsController.contentSecurityPolicy()
            return EntityTag.apply(to: page, body: Array(Assets.apiReference.utf8), request: request)
        }
    }
}
