"""Endpoint inventory on layouts the first readers missed: Django views of the project and of libraries
routed in ``urls.py``, Fastify plugin prefixes (nested ``register``, ``options.prefix`` in a route's
path), routing-controllers' ``routePrefix``. Driven through ``phasegate api PATH --json``."""

from __future__ import annotations

import json

from phasegate.app.cli.main import main


def _api(root, capsys) -> dict:
    assert main(["api", str(root), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _endpoints(data: dict) -> dict[tuple[str, str], dict]:
    return {(e["method"], e["path"]): e for e in data["endpoints"]}


DJANGO_PLAIN = {
    "site/settings.py": "ROOT_URLCONF = 'site.urls'\n",
    "site/urls.py": (
        "from django.urls import include, path\n"
        "from django.views.generic import TemplateView\n"
        "from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView\n"
        "from rest_framework_simplejwt.views import TokenObtainPairView\n\n"
        "urlpatterns = [\n"
        "    path('', include('notes.urls')),\n"
        "    path('about/', TemplateView.as_view(template_name='about.html')),\n"
        "    path('schema/', SpectacularAPIView.as_view(), name='schema'),\n"
        "    path('docs/', SpectacularSwaggerView.as_view(url_name='schema')),\n"
        "    path('token/', TokenObtainPairView.as_view()),\n"
        "]\n"
    ),
    "notes/urls.py": (
        "from django.urls import path\nfrom . import views\n\n"
        "urlpatterns = [\n"
        "    path('notes/', views.note_list),\n"
        "    path('notes/<int:pk>/', views.NoteDetail.as_view()),\n"
        "    path('health/', views.health),\n"
        "]\n"
    ),
    "notes/views.py": (
        "from django.http import JsonResponse\nfrom django.views import View\n"
        "from django.views.decorators.http import require_http_methods\n\n"
        "@require_http_methods(['GET', 'POST'])\ndef note_list(request):\n    return JsonResponse({})\n\n"
        "class NoteDetail(View):\n    def get(self, request, pk):\n        return JsonResponse({})\n\n"
        "    def delete(self, request, pk):\n        return JsonResponse({})\n\n"
        "def health(request):\n    return JsonResponse({'ok': True})\n"
    ),
}


def test_django_views_of_the_project_and_of_libraries(make_repo, capsys) -> None:
    data = _api(make_repo(DJANGO_PLAIN), capsys)
    eps = _endpoints(data)
    assert set(eps) == {
        ("GET", "/notes"), ("POST", "/notes"), ("GET", "/notes/{pk}"), ("DELETE", "/notes/{pk}"),
        ("ANY", "/health"), ("GET", "/about"), ("GET", "/schema"), ("GET", "/docs"), ("POST", "/token")}
    detail = eps[("GET", "/notes/{pk}")]
    assert (detail["handler"], detail["handler_file"], detail["params"]) == ("NoteDetail", "notes/views.py", ["pk"])
    assert eps[("ANY", "/health")]["handler_file"] == "notes/views.py"
    schema = eps[("GET", "/schema")]
    assert (schema["framework"], schema["handler"], schema["handler_file"]) == ("django", "SpectacularAPIView", None)
    assert not data["warnings"]


FASTIFY = {
    ".env.sample": "API_HOST=0.0.0.0\nAPI_PREFIX=/api\nJWT_SECRET=dummy\n",
    "index.js": (
        "const getConfig = require('./lib/config')\nconst startServer = require('./lib/server')\n\n"
        "const main = async () => {\n  const config = await getConfig()\n"
        "  const server = require('fastify')()\n  server.register(startServer, config)\n"
        "  await server.listen({ port: 3000 })\n}\n\nmain()\n"
    ),
    "lib/config.js": (
        "const envSchema = require('env-schema')\n\nasync function getConfig () {\n"
        "  const env = envSchema({ dotenv: true })\n"
        "  const config = { prefix: env.API_PREFIX, jwt: { secret: env.JWT_SECRET } }\n  return config\n}\n\n"
        "module.exports = getConfig\n"
    ),
    "lib/server.js": (
        "const fp = require('fastify-plugin')\nconst tags = require('./routes/tags')\n"
        "const admin = require('./routes/admin')\n\n"
        "async function plugin (server, config) {\n  server\n    .register(tags, config)\n"
        "    .register(admin, { prefix: '/admin' })\n}\n\nmodule.exports = fp(plugin)\n"
    ),
    # fastify-plugin: the registration's prefix does not apply, the route writes it itself
    "lib/routes/tags.js": (
        "const fp = require('fastify-plugin')\n\nasync function tags (server, options) {\n"
        "  server.route({ method: 'GET', path: options.prefix + 'tags', handler: onTags })\n"
        "  async function onTags (req, reply) { return [] }\n}\n\nmodule.exports = fp(tags)\n"
    ),
    # an encapsulated plugin registered with a prefix that registers another one: both prefixes apply
    "lib/routes/admin.js": (
        "const reports = require('./reports')\n\nmodule.exports = async function (app, opts) {\n"
        "  app.addHook('onRequest', app.authenticate)\n"
        "  app.get('/stats', { onRequest: [app.authenticate] }, async () => ({}))\n"
        "  app.register(reports, { prefix: '/reports' })\n}\n"
    ),
    "lib/routes/reports.js": (
        "module.exports = async function (fastify) {\n  fastify.get('/:id', async () => ({}))\n}\n"
    ),
}


def test_fastify_nested_prefixes_and_a_prefix_from_the_plugin_options(make_repo, capsys) -> None:
    data = _api(make_repo(FASTIFY), capsys)
    eps = _endpoints(data)
    assert set(eps) == {("GET", "/api/tags"), ("GET", "/admin/stats"), ("GET", "/admin/reports/{id}")}
    tags = eps[("GET", "/api/tags")]
    assert (tags["file"], tags["handler"], tags["handler_file"], tags["dead"]) == (
        "lib/routes/tags.js", "onTags", "lib/routes/tags.js", False)
    assert eps[("GET", "/admin/stats")]["auth"] == "[app.authenticate]"
    assert not data["warnings"]


def test_fastify_prefix_default_in_the_code_without_an_env_file(make_repo, capsys) -> None:
    files = {k: v for k, v in FASTIFY.items() if k != ".env.sample"}
    files["lib/config.js"] = (
        "async function getConfig () {\n  return { prefix: process.env.API_PREFIX || '/v2/' }\n}\n\n"
        "module.exports = getConfig\n")
    # a returned object literal is not a returned name: the value is not followed, and the route says so
    eps = _endpoints(_api(make_repo(files), capsys))
    assert ("GET", "/admin/stats") in eps and not any(p.endswith("/tags") for _, p in eps)
    files["lib/config.js"] = (
        "function getConfig () {\n  const config = { prefix: process.env.API_PREFIX || '/v2/' }\n"
        "  return config\n}\n\nmodule.exports = getConfig\n")
    eps = _endpoints(_api(make_repo(files), capsys))
    assert ("GET", "/v2/tags") in eps


ROUTING_CONTROLLERS = {
    "src/lib/env.ts": (
        "export function getOsEnv(key: string): string {\n  return process.env[key] as string;\n}\n"
    ),
    "src/env.ts": (
        "import { getOsEnv } from './lib/env';\n\n"
        "export const env = {\n  app: {\n    name: getOsEnv('APP_NAME'),\n"
        "    routePrefix: getOsEnv('APP_ROUTE_PREFIX'),\n  },\n};\n"
    ),
    "src/loaders/expressLoader.ts": (
        "import { createExpressServer } from 'routing-controllers';\nimport { env } from '../env';\n"
        "import { PetController } from '../api/PetController';\n\n"
        "export const expressLoader = () => {\n"
        "  const app = createExpressServer({ cors: true, routePrefix: env.app.routePrefix, "
        "controllers: [PetController] });\n  app.listen(3000);\n};\n"
    ),
    "src/api/PetController.ts": (
        "import { Authorized, Get, JsonController, Param, Post, Body } from 'routing-controllers';\n\n"
        "@Authorized()\n@JsonController('/pets')\nexport class PetController {\n"
        "  @Get('/:id')\n  public one(@Param('id') id: string): Promise<Pet> {\n    return null;\n  }\n\n"
        "  @Post()\n  public create(@Body() pet: NewPet): Promise<Pet> {\n    return null;\n  }\n}\n"
    ),
}


def test_routing_controllers_route_prefix_from_an_env_config(make_repo, capsys) -> None:
    files = {**ROUTING_CONTROLLERS, ".env.example": "APP_NAME=pets\nAPP_ROUTE_PREFIX=/api\nDB_PASSWORD=x\n"}
    data = _api(make_repo(files), capsys)
    eps = _endpoints(data)
    assert set(eps) == {("GET", "/api/pets/{id}"), ("POST", "/api/pets")}
    one = eps[("GET", "/api/pets/{id}")]
    assert (one["framework"], one["auth"], one["handler"], one["handler_file"]) == (
        "routing-controllers", "Authorized()", "PetController.one", "src/api/PetController.ts")
    assert not data["warnings"]


def test_routing_controllers_route_prefix_default_and_unresolved(make_repo, capsys) -> None:
    files = dict(ROUTING_CONTROLLERS)
    files["src/env.ts"] = "export const env = {\n  app: { routePrefix: process.env.APP_ROUTE_PREFIX || '/v1' },\n};\n"
    assert set(_endpoints(_api(make_repo(files), capsys))) == {("GET", "/v1/pets/{id}"), ("POST", "/v1/pets")}
    data = _api(make_repo(ROUTING_CONTROLLERS), capsys)  # no default, no example env file
    assert set(_endpoints(data)) == {("GET", "/pets/{id}"), ("POST", "/pets")}
    assert [w["reason"] for w in data["warnings"]] == [
        "nestjs: routePrefix env.app.routePrefix is not a literal (set at run time); paths are shown without it"]
