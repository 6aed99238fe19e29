"""Endpoint inventory of JavaScript/TypeScript fixture projects: Express, NestJS, Fastify, Hono."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers.api import inventory_at


def _table(root: Path) -> dict[tuple[str, str], object]:
    return {(e.method, e.path): e for e in inventory_at(root).endpoints}


EXPRESS = {
    "src/index.js": "const app = require('./app');\napp.listen(3000);\n",
    "src/app.js": (
        "const express = require('express');\nconst routes = require('./routes/v1');\n"
        "const app = express();\napp.use('/v1', routes);\nmodule.exports = app;\n"
    ),
    "src/routes/v1/index.js": (
        "const express = require('express');\nconst userRoute = require('./user.route');\n"
        "const docsRoute = require('./docs.route');\nconst router = express.Router();\n"
        "const defaultRoutes = [\n  { path: '/users', route: userRoute },\n];\n"
        "defaultRoutes.forEach((route) => {\n  router.use(route.path, route.route);\n});\n"
        "if (process.env.NODE_ENV === 'development') {\n  router.use('/docs', docsRoute);\n}\n"
        "module.exports = router;\n"
    ),
    "src/routes/v1/user.route.js": (
        "const express = require('express');\nconst auth = require('../../middlewares/auth');\n"
        "const userController = require('../../controllers/user.controller');\nconst router = express.Router();\n"
        "router\n  .route('/:userId')\n  .get(auth('getUsers'), userController.getUser)\n"
        "  .delete(auth('manageUsers'), userController.deleteUser);\n"
        "router.post('/', userController.createUser);\nmodule.exports = router;\n"
    ),
    "src/routes/v1/docs.route.js": (
        "const express = require('express');\nconst router = express.Router();\n"
        "router.get('/', (req, res) => res.send('docs'));\nmodule.exports = router;\n"
    ),
    "src/routes/v1/old.route.js": (
        "const express = require('express');\nconst router = express.Router();\n"
        "router.get('/old', (req, res) => res.send('x'));\nmodule.exports = router;\n"
    ),
    "src/controllers/user.controller.js": (
        "const getUser = async (req, res) => {};\nconst deleteUser = async (req, res) => {};\n"
        "function createUser(req, res) {}\nmodule.exports = { getUser, deleteUser, createUser };\n"
    ),
    "src/middlewares/auth.js": "module.exports = (right) => (req, res, next) => next();\n",
}


def test_express_route_table_chains_auth_dev_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(EXPRESS))
    get_user = eps[("GET", "/v1/users/{userId}")]
    assert get_user.auth == "auth('getUsers')" and get_user.params == ["userId"]
    assert (get_user.handler, get_user.handler_file, get_user.handler_line) == (
        "userController.getUser", "src/controllers/user.controller.js", 1)
    assert (get_user.file, get_user.line) == ("src/routes/v1/user.route.js", 7) and get_user.framework == "express"
    assert eps[("DELETE", "/v1/users/{userId}")].auth == "auth('manageUsers')"
    create = eps[("POST", "/v1/users")]
    assert create.auth is None and create.handler_line == 3
    docs = eps[("GET", "/v1/docs")]
    assert docs.dev_only and not docs.dead and docs.handler is None and docs.handler_line == 3
    assert eps[("GET", "/old")].dead
    assert len(eps) == 5


NEST = {
    "src/main.ts": (
        "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n"
        "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n"
        "  app.setGlobalPrefix('api');\n  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });\n"
        "  await app.listen(3000);\n}\nbootstrap();\n"
    ),
    "src/app.module.ts": (
        "import { Module } from '@nestjs/common';\nimport { UsersController } from './users/users.controller';\n"
        "@Module({ controllers: [UsersController] })\nexport class AppModule {}\n"
    ),
    "src/users/users.controller.ts": (
        "import { Controller, Get, Post, Body, Param, UseGuards, Version } from '@nestjs/common';\n"
        "@Controller('users')\nexport class UsersController {\n"
        "  @Get(':id')\n  findOne(@Param('id') id: string): Promise<UserDto> { return null; }\n\n"
        "  @Post()\n  @UseGuards(JwtAuthGuard)\n  create(@Body() dto: CreateUserDto): Promise<UserDto> { return null; }\n\n"
        "  @Get()\n  @Version('2')\n  list(): UserDto[] { return []; }\n}\n"
    ),
    "src/legacy/legacy.controller.ts": (
        "import { Controller, Get } from '@nestjs/common';\n@Controller({ path: 'legacy' })\n"
        "@UseGuards(AdminGuard)\nexport class LegacyController {\n  @Get('items')\n  items() { return []; }\n}\n"
    ),
}


def test_nestjs_global_prefix_versioning_guards_models_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(NEST))
    one = eps[("GET", "/api/v1/users/{id}")]
    assert (one.handler, one.file, one.line, one.response) == ("UsersController.findOne", "src/users/users.controller.ts",
                                                               4, "UserDto")
    create = eps[("POST", "/api/v1/users")]
    assert create.auth == "UseGuards(JwtAuthGuard)" and create.request == "CreateUserDto"
    assert one.auth is None
    assert eps[("GET", "/api/v2/users")].framework == "nestjs"
    legacy = eps[("GET", "/api/v1/legacy/items")]
    assert legacy.dead and legacy.auth == "UseGuards(AdminGuard)"
    assert len(eps) == 4


FASTIFY = {
    "server.js": (
        "const fastify = require('fastify')({ logger: true });\n"
        "fastify.register(require('./routes/api'), { prefix: '/api' });\nfastify.listen({ port: 3000 });\n"
    ),
    "routes/api.js": (
        "const users = require('./users');\n"
        "module.exports = async function (app, opts) {\n  app.register(users, { prefix: '/users' });\n"
        "  app.get('/health', async () => 'ok');\n};\n"
    ),
    "routes/users.js": (
        "async function users(fastify) {\n"
        "  fastify.get('/:id', { onRequest: [fastify.authenticate] }, async (req) => ({}));\n"
        "  fastify.route({ method: ['POST', 'PUT'], url: '/', handler: saveUser });\n}\n"
        "async function saveUser(req, reply) {}\nmodule.exports = users;\n"
    ),
    "routes/unused.js": (
        "module.exports = async function (fastify) {\n  fastify.get('/nowhere', async () => 1);\n};\n"
    ),
}


def test_fastify_register_prefixes_route_options_auth_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(FASTIFY))
    one = eps[("GET", "/api/users/{id}")]
    assert one.auth == "[fastify.authenticate]" and one.framework == "fastify" and one.file == "routes/users.js"
    save = eps[("POST", "/api/users")]
    assert (save.handler, save.handler_file, save.handler_line) == ("saveUser", "routes/users.js", 5)
    assert ("PUT", "/api/users") in eps and not eps[("GET", "/api/health")].dead
    assert eps[("GET", "/nowhere")].dead
    assert len(eps) == 5


HONO = {
    "src/index.ts": (
        "import { Hono } from 'hono';\nimport { jwt } from 'hono/jwt';\nimport { books } from './books';\n"
        "const app = new Hono().basePath('/api');\napp.use('/books/*', jwt({ secret: 's' }));\n"
        "app.route('/books', books);\napp.get('/', (c) => c.text('hi'));\nexport default app;\n"
    ),
    "src/books.ts": (
        "import { Hono } from 'hono';\nexport const books = new Hono();\n"
        "books.get('/:id', (c) => c.json({}));\nbooks.post('/', createBook);\n"
        "function createBook(c) { return c.json({}); }\n"
    ),
    "src/orphan.ts": "import { Hono } from 'hono';\nconst lost = new Hono();\nlost.get('/lost', (c) => c.text(''));\n",
}


def test_hono_base_path_sub_apps_middleware_auth_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(HONO))
    one = eps[("GET", "/api/books/{id}")]
    assert one.auth == "jwt({ secret: 's' })" and one.framework == "hono" and one.file == "src/books.ts"
    create = eps[("POST", "/api/books")]
    assert (create.handler, create.handler_line) == ("createBook", 5)
    assert eps[("GET", "/api")].auth is None
    assert eps[("GET", "/lost")].dead
    assert len(eps) == 4


ROUTING_CONTROLLERS = {
    "src/app.ts": (
        "import { createExpressServer } from 'routing-controllers';\nimport { PetController } from './pets';\n"
        "const app = createExpressServer({ routePrefix: '/api', controllers: [PetController] });\napp.listen(3000);\n"
    ),
    "src/pets.ts": (
        "import { JsonController, Get, Post, Body, Authorized } from 'routing-controllers';\n"
        "@Authorized()\n@JsonController('/pets')\nexport class PetController {\n"
        "  @Get('/:id')\n  one(id: string): Promise<Pet> { return null; }\n"
        "  @Post()\n  create(@Body() body: NewPet): Promise<Pet> { return null; }\n}\n"
    ),
    "src/old.ts": (
        "import { JsonController, Get } from 'routing-controllers';\n"
        "@JsonController('/old')\nexport class OldController {\n  @Get()\n  all() { return []; }\n}\n"
    ),
}


def test_routing_controllers_prefix_authorized_body_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(ROUTING_CONTROLLERS))
    one = eps[("GET", "/api/pets/{id}")]
    assert (one.framework, one.auth, one.response, one.handler) == ("routing-controllers", "Authorized()", "Pet",
                                                                    "PetController.one")
    assert eps[("POST", "/api/pets")].request == "NewPet"
    assert eps[("GET", "/api/old")].dead  # not in the server's controllers list
    assert len(eps) == 3


AUTOLOAD = {
    "app.js": (
        "const path = require('path');\nconst AutoLoad = require('@fastify/autoload');\n"
        "const fastify = require('fastify')();\n"
        "fastify.register(AutoLoad, { dir: path.join(__dirname, 'routes'), options: { prefix: '/api' } });\n"
        "fastify.listen({ port: 3000 });\n"
    ),
    "routes/root.js": "module.exports = async function (fastify) {\n  fastify.get('/', async () => 'hi');\n};\n",
    "routes/users/index.js": (
        "module.exports = async function (fastify, opts) {\n  fastify.get('/:id', async () => ({}));\n"
        "  fastify.post(opts.base + '/x', async () => ({}));\n};\n"
    ),
}


def test_fastify_autoload_folder_prefixes_and_a_runtime_path_warned(make_repo: Callable[..., Path]) -> None:
    inv = inventory_at(make_repo(AUTOLOAD))
    eps = {(e.method, e.path): e for e in inv.endpoints}
    assert set(eps) == {("GET", "/api"), ("GET", "/api/users/{id}")}
    assert not eps[("GET", "/api/users/{id}")].dead and eps[("GET", "/api/users/{id}")].file == "routes/users/index.js"
    assert [(w.path, w.line) for w in inv.warnings] == [("routes/users/index.js", 3)]
    assert "opts.base + '/x'" in inv.warnings[0].reason
