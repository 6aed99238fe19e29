"""Endpoint inventory of Python fixture projects: FastAPI, Flask, Django + DRF (full paths, auth, dead)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.app.analyzers.api import inventory_at


def _table(root: Path) -> dict[tuple[str, str], object]:
    inv = inventory_at(root)
    return {(e.method, e.path): e for e in inv.endpoints}


FASTAPI = {
    "svc/core/config.py": (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n    API_PREFIX: str = '/api'\n    DEBUG: bool = False\n\n"
        "settings = Settings()\n"
    ),
    "svc/schemas.py": "from pydantic import BaseModel\n\nclass ItemIn(BaseModel):\n    name: str\n\n"
                      "class ItemOut(ItemIn):\n    id: int\n",
    "svc/deps.py": "from fastapi import Depends\n\ndef get_current_user():\n    return 1\n\ndef get_db():\n    return 2\n",
    "svc/api/items.py": (
        "from fastapi import APIRouter, Depends\n"
        "from svc.schemas import ItemIn, ItemOut\n"
        "from svc.deps import get_current_user, get_db\n\n"
        "router = APIRouter(prefix='/items', dependencies=[Depends(get_current_user)])\n\n"
        "@router.get('/{item_id}', response_model=ItemOut)\n"
        "async def read_item(item_id: int, db=Depends(get_db)):\n    return {}\n\n"
        "@router.post('', response_model=ItemOut)\n"
        "async def create_item(item: ItemIn):\n    return {}\n"
    ),
    "svc/api/health.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
        "@router.get('/health')\ndef health():\n    return 'ok'\n"
    ),
    "svc/api/old.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/old')\n\n"
        "@router.get('/thing')\ndef thing():\n    return 1\n"
    ),
    "svc/api/debug.py": (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
        "@router.get('/debug/vars')\ndef dump():\n    return {}\n"
    ),
    "svc/api/__init__.py": (
        "from fastapi import APIRouter\nfrom svc.api import items, health, debug\n"
        "from svc.core.config import settings\n\n"
        "api_router = APIRouter()\napi_router.include_router(items.router, prefix='/v1')\n"
        "api_router.include_router(health.router)\n"
        "if settings.DEBUG:\n    api_router.include_router(debug.router)\n"
    ),
    "svc/main.py": (
        "from fastapi import FastAPI\nfrom svc.api import api_router\nfrom svc.core.config import settings\n\n"
        "app = FastAPI()\napp.include_router(api_router, prefix=settings.API_PREFIX)\n"
    ),
    "tests/test_items.py": "from fastapi import APIRouter\nr = APIRouter()\n@r.get('/t')\ndef t():\n    pass\n",
}


def test_fastapi_prefixes_across_modules_auth_models_dead_and_dev(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(FASTAPI))
    read = eps[("GET", "/api/v1/items/{item_id}")]
    assert (read.file, read.line, read.handler, read.handler_line) == ("svc/api/items.py", 7, "read_item", 8)
    assert read.params == ["item_id"] and read.framework == "fastapi"
    assert read.auth == "Depends(get_current_user)" and read.response == "ItemOut" and read.request is None
    create = eps[("POST", "/api/v1/items")]
    assert create.request == "ItemIn" and create.auth == "Depends(get_current_user)"
    health = eps[("GET", "/api/health")]
    assert health.auth is None and not health.dead
    assert eps[("GET", "/old/thing")].dead
    debug = eps[("GET", "/api/debug/vars")]
    assert debug.dev_only and not debug.dead
    assert ("GET", "/t") not in eps  # a test's router is not the application's
    assert set(eps) == {("GET", "/api/v1/items/{item_id}"), ("POST", "/api/v1/items"), ("GET", "/api/health"),
                        ("GET", "/old/thing"), ("GET", "/api/debug/vars")}


FLASK = {
    "web/__init__.py": (
        "from flask import Flask\n\n"
        "def create_app():\n    app = Flask(__name__)\n"
        "    from web.auth import bp as auth_bp\n    app.register_blueprint(auth_bp, url_prefix='/auth')\n"
        "    from web.api import api_bp\n    app.register_blueprint(api_bp, url_prefix='/api')\n"
        "    return app\n"
    ),
    "web/auth/__init__.py": "from flask import Blueprint\n\nbp = Blueprint('auth', __name__)\n\nfrom web.auth import routes\n",
    "web/auth/routes.py": (
        "from web.auth import bp\n\n@bp.route('/login', methods=['GET', 'POST'])\ndef login():\n    return ''\n"
    ),
    "web/api/__init__.py": (
        "from flask import Blueprint\nfrom flask.views import MethodView\nfrom flask_login import login_required\n\n"
        "api_bp = Blueprint('api', __name__)\nusers_bp = Blueprint('users', __name__, url_prefix='/users')\n"
        "api_bp.register_blueprint(users_bp, url_prefix='/v2')\n\n"
        "@users_bp.get('/<int:user_id>')\n@login_required\ndef get_user(user_id):\n    return {}\n\n"
        "class TokenAPI(MethodView):\n    def post(self):\n        return {}\n    def delete(self):\n        return {}\n\n"
        "api_bp.add_url_rule('/tokens', view_func=TokenAPI.as_view('tokens'))\n"
    ),
    "web/legacy.py": (
        "from flask import Blueprint\n\nlegacy = Blueprint('legacy', __name__)\n\n"
        "@legacy.route('/old/<name>')\ndef old(name):\n    return name\n"
    ),
}


def test_flask_blueprints_nested_method_view_auth_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(FLASK))
    user = eps[("GET", "/api/v2/users/{user_id}")]
    assert user.params == ["user_id"] and user.auth == "@login_required" and user.handler == "get_user"
    assert (user.file, user.line, user.handler_line) == ("web/api/__init__.py", 9, 11)
    assert {("GET", "/auth/login"), ("POST", "/auth/login")} <= set(eps)
    tokens = eps[("POST", "/api/tokens")]
    assert tokens.handler == "TokenAPI" and tokens.handler_line == 14 and ("DELETE", "/api/tokens") in eps
    assert ("GET", "/api/tokens") not in eps  # the view defines post and delete only
    assert eps[("GET", "/old/{name}")].dead
    assert len(eps) == 6


DJANGO = {
    "proj/settings.py": (
        "ROOT_URLCONF = 'proj.urls'\n"
        "REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated']}\n"
    ),
    "proj/urls.py": (
        "from django.contrib import admin\nfrom django.urls import include, path, re_path\n\n"
        "urlpatterns = [\n    path('admin/', admin.site.urls),\n    path('api/', include('shop.urls')),\n"
        "    re_path(r'^legacy/(?P<code>[0-9]+)/?$', include('shop.legacy_urls')),\n]\n"
    ),
    "shop/urls.py": (
        "from django.urls import include, path\nfrom rest_framework.routers import DefaultRouter\nfrom . import views\n\n"
        "router = DefaultRouter()\nrouter.register(r'orders', views.OrderViewSet, basename='order')\n\n"
        "urlpatterns = [\n    path('v1/', include(router.urls)),\n"
        "    path('v1/products/<int:pk>/', views.ProductDetail.as_view()),\n"
        "    path('ping/', views.ping),\n]\n"
    ),
    "shop/legacy_urls.py": "from django.urls import path\nfrom shop import views\n\n"
                           "urlpatterns = [path('info/', views.info)]\n",
    "shop/orphan_urls.py": "from django.urls import path\nfrom shop import views\n\n"
                           "urlpatterns = [path('lost/', views.info)]\n",
    "shop/views.py": (
        "from rest_framework import generics, viewsets, mixins\nfrom rest_framework.decorators import action, api_view\n"
        "from rest_framework.decorators import permission_classes\nfrom rest_framework.permissions import AllowAny\n"
        "from django.contrib.auth.decorators import login_required\n\n"
        "class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):\n"
        "    lookup_field = 'number'\n\n"
        "    @action(detail=True, methods=['post'])\n    def cancel(self, request, number=None):\n        pass\n\n"
        "class ProductDetail(generics.RetrieveUpdateAPIView):\n    permission_classes = [AllowAny]\n\n"
        "@api_view(['GET'])\n@permission_classes([AllowAny])\ndef ping(request):\n    pass\n\n"
        "@login_required\ndef info(request, code):\n    pass\n"
    ),
}


def test_django_include_tree_drf_router_regex_auth_and_dead(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(DJANGO))
    orders = eps[("GET", "/api/v1/orders")]
    assert orders.framework == "drf" and orders.handler == "OrderViewSet.list" and orders.handler_file == "shop/views.py"
    assert orders.auth == "IsAuthenticated"  # the REST_FRAMEWORK default
    assert ("GET", "/api/v1/orders/{number}") in eps and ("POST", "/api/v1/orders/{number}/cancel") in eps
    assert ("POST", "/api/v1/orders") not in eps  # no CreateModelMixin
    assert ("GET", "/api/v1") in eps  # the DefaultRouter's API root
    product = eps[("PATCH", "/api/v1/products/{pk}")]
    assert product.auth is None and product.params == ["pk"]
    assert {("GET", "/api/v1/products/{pk}"), ("PUT", "/api/v1/products/{pk}")} <= set(eps)
    assert eps[("GET", "/api/ping")].auth is None
    info = eps[("ANY", "/legacy/{code}/info")]
    assert info.auth == "@login_required" and info.framework == "django"
    assert eps[("ANY", "/lost")].dead
    assert not any(p.startswith("/admin") for _, p in eps)
    assert len(eps) == 10


RESTFUL = {
    "api/app.py": (
        "from flask import Flask\nfrom flask_restful import Api, Resource\nfrom flask_jwt_extended import jwt_required\n\n"
        "app = Flask(__name__)\napi = Api(app, prefix='/v1')\n\n"
        "class Todo(Resource):\n    method_decorators = [jwt_required()]\n\n"
        "    def get(self, todo_id):\n        return {}\n\n    def delete(self, todo_id):\n        return {}\n\n"
        "api.add_resource(Todo, '/todos/<int:todo_id>', '/tasks/<int:todo_id>')\n"
    ),
}


def test_flask_restful_resources_methods_and_decorators(make_repo: Callable[..., Path]) -> None:
    eps = _table(make_repo(RESTFUL))
    assert set(eps) == {("GET", "/v1/todos/{todo_id}"), ("DELETE", "/v1/todos/{todo_id}"),
                        ("GET", "/v1/tasks/{todo_id}"), ("DELETE", "/v1/tasks/{todo_id}")}
    todo = eps[("GET", "/v1/todos/{todo_id}")]
    assert (todo.handler, todo.handler_line, todo.auth) == ("Todo", 8, "@jwt_required()")


def test_fastapi_sub_application_mount_and_django_inline_include(make_repo: Callable[..., Path]) -> None:
    root = make_repo({
        "main.py": ("from fastapi import FastAPI\nfrom fastapi.staticfiles import StaticFiles\n\n"
                    "app = FastAPI()\nv2 = FastAPI()\n\n@v2.get('/items')\ndef items():\n    pass\n\n"
                    "app.mount('/v2', v2)\napp.mount('/static', StaticFiles(directory='static'))\n"),
        "site/settings.py": "ROOT_URLCONF = 'site.urls'\n",
        "site/urls.py": ("from django.urls import include, path\nfrom site import views\n\n"
                         "urlpatterns = [path('api/', include([path('ping/', views.ping), "
                         "path('v1/', include([path('me/', views.me)]))]))]\n"),
        "site/views.py": "from django.views.decorators.http import require_GET\n\n"
                         "@require_GET\ndef ping(request):\n    pass\n\ndef me(request):\n    pass\n",
    })
    inv = inventory_at(root)
    assert [(e.method, e.path, e.framework, e.dead) for e in inv.endpoints] == [  # sorted by path
        ("GET", "/api/ping", "django", False), ("ANY", "/api/v1/me", "django", False),
        ("GET", "/v2/items", "fastapi", False)], inv.warnings
