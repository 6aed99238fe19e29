"""The seed's CSRF rule: a change that skips CSRF protection where sessions authenticate is a high finding.

Each framework is a small project written here into a real git repository; the change is a commit, and
the review is ``review_range`` (what the workbench and ``phasegate review`` build).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phasegate.app.cli.main import main
from phasegate.app.git.service import GitService
from phasegate.app.session.review import blockers_from, review_range
from tests.support.repos import commit_all, git, init_repo, write_files

DJANGO_SETTINGS = """INSTALLED_APPS = ["django.contrib.sessions", "shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
"""
DRF_SETTINGS = """INSTALLED_APPS = ["rest_framework", "rest_framework.authtoken", "shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
}
"""
VIEWS = """from django.http import JsonResponse


def orders(request):
    return JsonResponse({})
"""
EXEMPT_VIEWS = """from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


def orders(request):
    return JsonResponse({})


@csrf_exempt
def refund(request):
    return JsonResponse({"refunded": True})
"""


def _change(tmp_path: Path, before: dict[str, str], after: dict[str, str]) -> list[tuple[str, int, str]]:
    repo = init_repo(tmp_path / "repo", before)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, after)
    head = commit_all(repo, "the change")
    facts = review_range(GitService.open(repo), base, head)
    return [(f.path, f.line, f.severity) for f in facts.findings if f.kind == "csrf_protection_skipped"]


# --- Django ---------------------------------------------------------------------------------------------
def test_django_csrf_exempt_view_in_a_session_project_is_a_finding(tmp_path: Path) -> None:
    found = _change(tmp_path, {"shop/settings.py": DJANGO_SETTINGS, "shop/views.py": VIEWS},
                    {"shop/views.py": EXEMPT_VIEWS})
    assert found == [("shop/views.py", 9, "high")]


def test_django_csrf_exempt_in_a_urlconf_is_a_finding(tmp_path: Path) -> None:
    urls = ("from django.urls import path\nfrom django.views.decorators.csrf import csrf_exempt\n"
            "from shop import views\n\nurlpatterns = [\n    path('orders/', csrf_exempt(views.orders)),\n]\n")
    found = _change(tmp_path, {"shop/settings.py": DJANGO_SETTINGS, "shop/views.py": VIEWS}, {"shop/urls.py": urls})
    assert found == [("shop/urls.py", 6, "high")]


def test_django_removing_the_csrf_middleware_is_a_finding(tmp_path: Path) -> None:
    removed = DJANGO_SETTINGS.replace('    "django.middleware.csrf.CsrfViewMiddleware",\n', "")
    found = _change(tmp_path, {"shop/settings.py": DJANGO_SETTINGS}, {"shop/settings.py": removed})
    assert found == [("shop/settings.py", 2, "high")]


def test_django_token_only_api_is_not_flagged(tmp_path: Path) -> None:
    # DRF with TokenAuthentication and no session middleware: no cookie authenticates, nothing to forge.
    found = _change(tmp_path, {"shop/settings.py": DRF_SETTINGS, "shop/views.py": VIEWS},
                    {"shop/views.py": EXEMPT_VIEWS})
    assert found == []


def test_django_a_csrf_exempt_that_was_there_before_is_not_the_changes(tmp_path: Path) -> None:
    found = _change(tmp_path, {"shop/settings.py": DJANGO_SETTINGS, "shop/views.py": EXEMPT_VIEWS},
                    {"shop/views.py": EXEMPT_VIEWS + "\n\ndef health(request):\n    return JsonResponse({})\n"})
    assert found == []


# --- Rails ----------------------------------------------------------------------------------------------
RAILS_APP = "module Shop\n  class Application < Rails::Application\n    config.load_defaults 7.1\n  end\nend\n"
ORDERS = "class OrdersController < ApplicationController\n  def create\n    head :created\n  end\nend\n"


@pytest.mark.parametrize("line", [
    "skip_before_action :verify_authenticity_token, only: [:create]",
    "skip_forgery_protection",
    "protect_from_forgery except: :create",
])
def test_rails_skipping_the_authenticity_check_is_a_finding(tmp_path: Path, line: str) -> None:
    changed = ORDERS.replace("ApplicationController\n", f"ApplicationController\n  {line}\n")
    found = _change(tmp_path, {"config/application.rb": RAILS_APP, "app/controllers/orders_controller.rb": ORDERS},
                    {"app/controllers/orders_controller.rb": changed})
    assert found == [("app/controllers/orders_controller.rb", 2, "high")]


def test_rails_api_only_app_is_not_flagged(tmp_path: Path) -> None:
    api = RAILS_APP.replace("7.1\n", "7.1\n    config.api_only = true\n")
    changed = ORDERS.replace("ApplicationController\n", "ApplicationController\n  skip_forgery_protection\n")
    found = _change(tmp_path, {"config/application.rb": api, "app/controllers/orders_controller.rb": ORDERS},
                    {"app/controllers/orders_controller.rb": changed})
    assert found == []


# --- Laravel --------------------------------------------------------------------------------------------
VERIFY = """<?php

namespace App\\Http\\Middleware;

use Illuminate\\Foundation\\Http\\Middleware\\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    protected $except = [
        'stripe/webhook',
    ];
}
"""


def test_laravel_new_csrf_exceptions_are_findings(tmp_path: Path) -> None:
    path = "app/Http/Middleware/VerifyCsrfToken.php"
    changed = VERIFY.replace("        'stripe/webhook',\n", "        'stripe/webhook',\n        'orders/*',\n")
    assert _change(tmp_path, {path: VERIFY}, {path: changed}) == [(path, 11, "high")]


def test_laravel_11_validate_csrf_tokens_except_is_a_finding(tmp_path: Path) -> None:
    boot = ("<?php\n\nreturn Application::configure(basePath: dirname(__DIR__))\n"
            "    ->withMiddleware(function (Middleware $middleware) {\n"
            "        $middleware->validateCsrfTokens(except: [\n            'orders/*',\n        ]);\n"
            "    })->create();\n")
    assert _change(tmp_path, {"bootstrap/README.md": "x\n"}, {"bootstrap/app.php": boot}) == [
        ("bootstrap/app.php", 6, "high")]


# --- Express --------------------------------------------------------------------------------------------
def _package(*deps: str) -> str:
    return json.dumps({"name": "shop", "dependencies": {d: "*" for d in ("express", *deps)}})


SERVER = """const express = require('express');
const session = require('express-session');

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET, cookie: { httpOnly: true } }));
app.get('/orders', (req, res) => res.json([]));
module.exports = app;
"""
NEW_ROUTES = SERVER.replace("module.exports", """app.post('/orders', (req, res) => res.status(201).end());
app.delete('/orders/:id', (req, res) => res.status(204).end());
cache.delete('orders');
module.exports""")


def test_express_state_changing_routes_with_sessions_and_no_csrf_are_findings(tmp_path: Path) -> None:
    found = _change(tmp_path, {"package.json": _package("express-session"), "src/app.js": SERVER},
                    {"src/app.js": NEW_ROUTES})
    assert found == [("src/app.js", 7, "high"), ("src/app.js", 8, "high")]


@pytest.mark.parametrize("protection", ["package", "same_site", "route"])
def test_express_with_csrf_protection_is_not_flagged(tmp_path: Path, protection: str) -> None:
    package = _package("express-session", "csrf-csrf") if protection == "package" else _package("express-session")
    server = SERVER.replace("httpOnly: true", "httpOnly: true, sameSite: 'strict'") if protection == "same_site" else SERVER
    routes = NEW_ROUTES.replace("(req, res) => res.status(201)", "csrfProtection, (req, res) => res.status(201)")
    routes = routes.replace("httpOnly: true", "httpOnly: true, sameSite: 'strict'") if protection == "same_site" else routes
    found = _change(tmp_path, {"package.json": package, "src/app.js": server}, {"src/app.js": routes})
    assert found == ([("src/app.js", 8, "high")] if protection == "route" else [])


def test_express_without_sessions_is_not_flagged(tmp_path: Path) -> None:
    # A bearer-token API: no cookie session, nothing for another site to ride on.
    found = _change(tmp_path, {"package.json": _package("jsonwebtoken"), "src/app.js": SERVER},
                    {"src/app.js": NEW_ROUTES})
    assert found == []


# --- Spring Security ------------------------------------------------------------------------------------
SECURITY = """package shop;

@Configuration
public class SecurityConfig {
    @Bean
    SecurityFilterChain chain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
            .formLogin(Customizer.withDefaults());
        return http.build();
    }
}
"""


@pytest.mark.parametrize("disable", ["http.csrf().disable();", "http.csrf(c -> c.disable());",
                                     "http.csrf(AbstractHttpConfigurer::disable);"])
def test_spring_disabling_csrf_with_form_login_is_a_finding(tmp_path: Path, disable: str) -> None:
    path = "src/main/java/shop/SecurityConfig.java"
    changed = SECURITY.replace("        return http.build();", f"        {disable}\n        return http.build();")
    assert _change(tmp_path, {path: SECURITY}, {path: changed}) == [(path, 9, "high")]


def test_spring_stateless_token_api_is_not_flagged(tmp_path: Path) -> None:
    path = "src/main/java/shop/SecurityConfig.java"
    stateless = SECURITY.replace(".formLogin(Customizer.withDefaults());",
                                 ".sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))"
                                 "\n            .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults()));")
    changed = stateless.replace("        return http.build();", "        http.csrf(c -> c.disable());\n"
                                "        return http.build();")
    assert _change(tmp_path, {path: stateless}, {path: changed}) == []


# --- the review ---------------------------------------------------------------------------------------
def test_a_csrf_finding_blocks_approval_and_shows_in_every_format(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = init_repo(tmp_path / "repo", {"shop/settings.py": DJANGO_SETTINGS, "shop/views.py": VIEWS})
    base = git(repo, "rev-parse", "HEAD").strip()
    write_files(repo, {"shop/views.py": EXEMPT_VIEWS})
    head = commit_all(repo, "exempt")
    facts = review_range(GitService.open(repo), base, head)
    assert [b.message for b in blockers_from(facts) if "CSRF" in b.message.upper()] == [
        "csrf_exempt switches the CSRF check off for a view of a project that authenticates with sessions. "
        "(shop/views.py:9) — blocked by the rule: never skip CSRF protection for state-changing operations."]
    assert main(["review", f"{base}..{head}", "--repo", str(repo)]) == 1
    assert "high shop/views.py:9 csrf_protection_skipped:" in capsys.readouterr().out
    main(["review", f"{base}..{head}", "--repo", str(repo), "--format", "sarif"])
    run = json.loads(capsys.readouterr().out)["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "csrf_protection_skipped")
    assert result["level"] == "error" and result["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
