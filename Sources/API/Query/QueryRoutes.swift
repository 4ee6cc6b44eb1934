import Hummingbird

/// Adds the query endpoints, the status endpoints and the query page to the router.
func registerQueryRoutes(_ router: Router<BasicRequestContext>, _ query: QueryAPIDependencies, _ deps: APIDependencies) {
    QueryAPI(deps: query, formBodyBytesMax: deps.formBodyBytesMax).register(router)
    StatusAPI(store: deps.store, status: query.status).register(router)
    QueryPage.register(router)
}
