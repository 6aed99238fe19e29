"""Axum, Actix Web and Rocket readers on fixture crates."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints


def test_axum_nest_merge_layers_across_modules_and_a_dead_router(make_repo):
    root = make_repo({
        "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\n\n[dependencies]\naxum = "0.7"\n',
        "src/main.rs": """mod http;

#[tokio::main]
async fn main() {
    let app = http::router();
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
""",
        "src/http/mod.rs": """use axum::Router;
mod items;
mod admin;

pub fn router() -> Router {
    Router::new()
        .nest("/api", items::router().merge(admin::router()))
        .route("/health", axum::routing::get(health))
}

async fn health() -> &'static str { "ok" }

fn unused() -> Router {
    Router::new().route("/old", axum::routing::get(health))
}
""",
        "src/http/items.rs": """use axum::{routing::{get, post}, Router};

pub fn router() -> Router {
    Router::new()
        .route("/items", get(list_items).post(create_item))
        .route("/items/:id", get(get_item))
}

async fn list_items() {}
async fn create_item() {}
async fn get_item() {}
""",
        "src/http/admin.rs": """use axum::{middleware, routing::delete, Router};

pub fn router() -> Router {
    Router::new()
        .route("/admin/items/{id}", delete(remove))
        .route_layer(middleware::from_fn(require_auth))
}

async fn remove() {}
async fn require_auth() {}
""",
    })
    eps, _ = read_endpoints("axum", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/api/items"), ("POST", "/api/items"), ("GET", "/api/items/{id}"),
                    ("DELETE", "/api/admin/items/{id}"), ("GET", "/health")}
    get_item = eps[("GET", "/api/items/{id}")]
    assert (get_item.handler, get_item.handler_file, get_item.file, get_item.line) == (
        "get_item", "src/http/items.rs", "src/http/items.rs", 6)
    assert get_item.auth is None
    assert eps[("DELETE", "/api/admin/items/{id}")].auth == "middleware::from_fn(require_auth)"
    assert eps[("GET", "/old")].dead


def test_actix_scopes_configure_attribute_handlers_and_an_unregistered_one(make_repo):
    root = make_repo({
        "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\n\n[dependencies]\nactix-web = "4"\n',
        "src/main.rs": """use actix_web::{web, App, HttpServer};
mod routes;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| App::new().configure(routes::config).service(routes::ping))
        .bind(("127.0.0.1", 8080))?
        .run()
        .await
}
""",
        "src/routes.rs": """use actix_web::{get, web, HttpResponse};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .wrap(JwtAuth)
            .service(web::resource("/users/{id}").route(web::get().to(get_user)).route(web::delete().to(del_user)))
            .route("/users", web::post().to(create_user)),
    );
}

#[get("/ping")]
pub async fn ping() -> HttpResponse { HttpResponse::Ok().finish() }

#[get("/forgotten")]
pub async fn forgotten() -> HttpResponse { HttpResponse::Ok().finish() }

async fn get_user() -> HttpResponse { HttpResponse::Ok().finish() }
async fn del_user() -> HttpResponse { HttpResponse::Ok().finish() }
async fn create_user() -> HttpResponse { HttpResponse::Ok().finish() }
""",
    })
    eps, _ = read_endpoints("actix", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/api/users/{id}"), ("DELETE", "/api/users/{id}"), ("POST", "/api/users"),
                    ("GET", "/ping")}
    assert eps[("GET", "/api/users/{id}")].auth == "JwtAuth" and eps[("GET", "/ping")].auth is None
    assert eps[("POST", "/api/users")].handler_file == "src/routes.rs"
    assert eps[("GET", "/forgotten")].dead


def test_rocket_mounts_guards_and_an_unmounted_route(make_repo):
    root = make_repo({
        "Cargo.toml": '[package]\nname = "blog"\nversion = "0.1.0"\n\n[dependencies]\nrocket = "0.5"\n',
        "src/main.rs": """#[macro_use] extern crate rocket;
mod posts;

#[launch]
fn rocket() -> _ {
    rocket::build().mount("/api", routes![posts::list, posts::create])
}
""",
        "src/posts.rs": """use crate::auth::Auth;

#[get("/posts?<page>")]
pub fn list(page: Option<u32>, user: Option<Auth>) -> String { String::new() }

#[post("/posts/<id>/comments/<rest..>", data = "<body>")]
pub fn create(id: i32, rest: std::path::PathBuf, body: String, auth: Auth) -> String { String::new() }

#[delete("/posts/<id>")]
pub fn remove(id: i32) -> String { String::new() }
""",
    })
    eps, _ = read_endpoints("rocket", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/api/posts"), ("POST", "/api/posts/{id}/comments/{rest}")}
    assert eps[("GET", "/api/posts")].auth is None  # an optional principal: anonymous callers too
    assert eps[("POST", "/api/posts/{id}/comments/{rest}")].auth == "auth: Auth"
    assert eps[("POST", "/api/posts/{id}/comments/{rest}")].handler_file == "src/posts.rs"
    assert eps[("DELETE", "/posts/{id}")].dead


def test_axum_utoipa_routes_and_a_router_handed_out_by_the_library(make_repo):
    root = make_repo({
        "Cargo.toml": '[package]\nname = "reg"\nversion = "0.1.0"\n\n[dependencies]\naxum = "0.8"\nutoipa-axum = "0.2"\n',
        "src/lib.rs": """mod controllers;
use controllers::*;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn build_router() -> axum::Router {
    let (router, _api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crates::list_crates, crates::publish))
        .split_for_parts();
    router
}
""",
        "src/controllers/mod.rs": "pub mod crates;\n",
        "src/controllers/crates.rs": """#[utoipa::path(get, path = "/api/v1/crates", tag = "crates")]
pub async fn list_crates() {}

#[utoipa::path(
    put,
    path = "/api/v1/crates/{name}",
    responses((status = 200, description = "ok")),
)]
pub async fn publish() {}
""",
    })
    eps, warnings = read_endpoints("axum", root)
    assert set(eps) == {("GET", "/api/v1/crates"), ("PUT", "/api/v1/crates/{name}")}
    publish = eps[("PUT", "/api/v1/crates/{name}")]
    assert (publish.handler, publish.handler_file, publish.params, publish.dead) == (
        "publish", "src/controllers/crates.rs", ["name"], False)
    assert warnings == []
