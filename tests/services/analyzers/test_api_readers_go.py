"""Go route readers on fixture modules: Gin, Echo, chi, Fiber, net/http (Go 1.22) and gorilla/mux."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints

GO_MOD = "module example.com/shop\n\ngo 1.22\n"


def test_gin_groups_handed_to_another_package_with_auth_and_a_dead_router(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "main.go": """package main

import (
\t"github.com/gin-gonic/gin"
\t"example.com/shop/users"
)

func main() {
\tr := gin.Default()
\tapi := r.Group("/api")
\tusers.Register(api.Group("/users"))
\tapi.Use(users.AuthMiddleware())
\tusers.RegisterMe(api.Group("/me"))
\tr.Run()
}

func unused() {
\told := gin.New()
\told.GET("/legacy", func(c *gin.Context) {})
}
""",
        "users/routes.go": """package users

import "github.com/gin-gonic/gin"

func Register(router *gin.RouterGroup) {
\trouter.POST("/", Create)
\trouter.GET("/:id/files/*path", Show)
}

func RegisterMe(router *gin.RouterGroup) {
\trouter.GET("", Me)
}
""",
        "users/handlers.go": """package users

import "github.com/gin-gonic/gin"

func Create(c *gin.Context) {}
func Show(c *gin.Context)   {}
func Me(c *gin.Context)     {}
func AuthMiddleware() gin.HandlerFunc { return nil }
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("POST", "/api/users"), ("GET", "/api/users/{id}/files/{path}"), ("GET", "/api/me")}
    show = eps[("GET", "/api/users/{id}/files/{path}")]
    assert (show.handler, show.handler_file, show.handler_line) == ("Show", "users/handlers.go", 6)
    assert show.params == ["id", "path"] and show.file == "users/routes.go" and show.line == 7
    assert show.auth is None  # registered before api.Use(AuthMiddleware)
    assert eps[("GET", "/api/me")].auth == "users.AuthMiddleware()"
    assert eps[("GET", "/legacy")].dead and eps[("GET", "/legacy")].framework == "gin"


def test_echo_group_middleware_and_method_handlers(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "main.go": """package main

import (
\t"github.com/labstack/echo/v4"
\t"github.com/labstack/echo/v4/middleware"
)

type ItemHandler struct{}

func (h *ItemHandler) List(c echo.Context) error { return nil }
func (h *ItemHandler) Get(c echo.Context) error  { return nil }

func main() {
\te := echo.New()
\th := &ItemHandler{}
\tv1 := e.Group("/v1")
\tadmin := v1.Group("/admin", middleware.JWT([]byte("k")))
\tv1.GET("/items", h.List)
\tadmin.GET("/items/:id", h.Get)
\te.Logger.Fatal(e.Start(":1323"))
}
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    assert set(eps) == {("GET", "/v1/items"), ("GET", "/v1/admin/items/{id}")}
    assert eps[("GET", "/v1/items")].handler == "ItemHandler.List" and eps[("GET", "/v1/items")].auth is None
    assert eps[("GET", "/v1/admin/items/{id}")].auth == 'middleware.JWT([]byte("k"))'
    assert not any(e.dead for e in eps.values()) and eps[("GET", "/v1/items")].framework == "echo"


def test_chi_route_mount_group_with_and_a_router_never_mounted(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "api/api.go": """package api

import (
\t"net/http"

\t"github.com/go-chi/chi/v5"
)

func New() http.Handler {
\tr := chi.NewRouter()
\tr.Route("/orders", func(r chi.Router) {
\t\tr.Get("/", listOrders)
\t\tr.With(RequireAuth).Post("/{orderID:[0-9]+}/pay", payOrder)
\t})
\tr.Group(func(r chi.Router) {
\t\tr.Use(RequireAuth)
\t\tr.Mount("/admin", adminRouter())
\t})
\treturn r
}

func adminRouter() chi.Router {
\tr := chi.NewRouter()
\tr.Delete("/users/{id}", deleteUser)
\treturn r
}

func forgotten() chi.Router {
\tr := chi.NewRouter()
\tr.Get("/old", listOrders)
\treturn r
}

func listOrders(w http.ResponseWriter, r *http.Request) {}
func payOrder(w http.ResponseWriter, r *http.Request)   {}
func deleteUser(w http.ResponseWriter, r *http.Request) {}
func RequireAuth(next http.Handler) http.Handler      { return next }
""",
        "main.go": """package main

import (
\t"net/http"

\t"example.com/shop/api"
)

func main() {
\thttp.ListenAndServe(":8080", api.New())
}
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/orders"), ("POST", "/orders/{orderID}/pay"), ("DELETE", "/admin/users/{id}")}
    assert eps[("GET", "/orders")].auth is None
    assert eps[("POST", "/orders/{orderID}/pay")].auth == "RequireAuth"
    assert eps[("DELETE", "/admin/users/{id}")].auth == "RequireAuth"
    assert eps[("DELETE", "/admin/users/{id}")].handler_file == "api/api.go"
    assert eps[("GET", "/old")].dead


def test_fiber_groups_and_route_blocks(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "main.go": """package main

import "github.com/gofiber/fiber/v2"

func main() {
\tapp := fiber.New()
\tapi := app.Group("/api", logger)
\tapi.Route("/v2", func(router fiber.Router) {
\t\trouter.Get("/tasks/:id<int>", getTask)
\t})
\tsecure := api.Group("/secure", jwtware())
\tsecure.Delete("/tasks/:id?", deleteTask)
\tapp.Listen(":3000")
}

func logger(c *fiber.Ctx) error     { return c.Next() }
func jwtware() fiber.Handler         { return nil }
func getTask(c *fiber.Ctx) error    { return nil }
func deleteTask(c *fiber.Ctx) error { return nil }
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    assert set(eps) == {("GET", "/api/v2/tasks/{id}"), ("DELETE", "/api/secure/tasks/{id}")}
    assert eps[("DELETE", "/api/secure/tasks/{id}")].auth == "jwtware()"
    assert eps[("GET", "/api/v2/tasks/{id}")].auth is None and eps[("GET", "/api/v2/tasks/{id}")].framework == "fiber"


def test_net_http_go122_patterns_strip_prefix_mounts_and_debug_routes(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "main.go": """package main

import "net/http"

func main() {
\tapi := http.NewServeMux()
\tapi.HandleFunc("GET /items/{id}", getItem)
\tapi.HandleFunc("POST /items/{path...}", putItem)
\tmux := http.NewServeMux()
\tmux.Handle("/api/", http.StripPrefix("/api", withAuth(api)))
\tmux.HandleFunc("/{$}", home)
\tif debugMode {
\t\tmux.HandleFunc("GET /debug/vars", vars)
\t}
\thttp.ListenAndServe(":8080", mux)
}

var debugMode = false

func getItem(w http.ResponseWriter, r *http.Request) {}
func putItem(w http.ResponseWriter, r *http.Request) {}
func home(w http.ResponseWriter, r *http.Request)    {}
func vars(w http.ResponseWriter, r *http.Request)    {}
func withAuth(h http.Handler) http.Handler           { return h }
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    assert set(eps) == {("GET", "/api/items/{id}"), ("POST", "/api/items/{path}"), ("ANY", "/"),
                        ("GET", "/debug/vars")}
    assert eps[("GET", "/api/items/{id}")].auth == "withAuth" and eps[("ANY", "/")].auth is None
    assert eps[("GET", "/debug/vars")].dev_only and not eps[("ANY", "/")].dev_only
    assert eps[("GET", "/api/items/{id}")].framework == "net/http"


def test_gorilla_subrouters_and_methods(make_repo):
    root = make_repo({
        "go.mod": GO_MOD,
        "main.go": """package main

import (
\t"net/http"

\t"github.com/gorilla/mux"
)

func main() {
\tr := mux.NewRouter()
\tapi := r.PathPrefix("/api/v1").Subrouter()
\tapi.Use(authMiddleware)
\tapi.HandleFunc("/books/{id:[0-9]+}", getBook).Methods("GET", "HEAD")
\tr.HandleFunc("/health", health)
\tsrv := &http.Server{Handler: r}
\tsrv.ListenAndServe()
}

func getBook(w http.ResponseWriter, r *http.Request) {}
func health(w http.ResponseWriter, r *http.Request)  {}
func authMiddleware(next http.Handler) http.Handler  { return next }
""",
    })
    eps, _ = read_endpoints("go_routers", root)
    assert set(eps) == {("GET", "/api/v1/books/{id}"), ("HEAD", "/api/v1/books/{id}"), ("ANY", "/health")}
    assert eps[("GET", "/api/v1/books/{id}")].auth == "authMiddleware"
    assert eps[("ANY", "/health")].auth is None and not eps[("ANY", "/health")].dead
    assert eps[("ANY", "/health")].framework == "gorilla/mux"
