"""Rails routes.rb and Laravel route-file readers on fixture applications."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints


def test_rails_resources_nesting_namespace_scope_and_before_action_auth(make_repo):
    root = make_repo({
        "config/routes.rb": """Rails.application.routes.draw do
  root 'home#index'
  scope :api do
    resources :articles, param: :slug, only: [:index, :show, :create] do
      resources :comments, only: [:index, :destroy]
      get :feed, on: :collection
      member do
        post 'publish'
      end
    end
    resource :session, only: [:create, :destroy]
    get 'stats' => 'reports#stats'
  end
  namespace :admin do
    resources :users, except: [:new, :edit, :show, :update, :destroy]
  end
end
""",
        "app/controllers/application_controller.rb": "class ApplicationController < ActionController::API\nend\n",
        "app/controllers/articles_controller.rb": """class ArticlesController < ApplicationController
  before_action :authenticate_user!, except: [:index, :show]

  def index; end
  def show; end
  def create; end
  def feed; end
  def publish; end
end
""",
        "app/controllers/admin/users_controller.rb": """module Admin
  class UsersController < ApplicationController
    before_action :require_admin

    def index; end
    def create; end
  end
end
""",
    })
    eps, warnings = read_endpoints("rails", root)
    assert set(eps) == {
        ("GET", "/"), ("GET", "/api/articles"), ("POST", "/api/articles"), ("GET", "/api/articles/{slug}"),
        ("GET", "/api/articles/{article_slug}/comments"), ("DELETE", "/api/articles/{article_slug}/comments/{id}"),
        ("GET", "/api/articles/feed"), ("POST", "/api/articles/{slug}/publish"),
        ("POST", "/api/session"), ("DELETE", "/api/session"), ("GET", "/api/stats"),
        ("GET", "/admin/users"), ("POST", "/admin/users")}
    show = eps[("GET", "/api/articles/{slug}")]
    assert (show.handler, show.handler_file, show.handler_line, show.auth) == (
        "articles#show", "app/controllers/articles_controller.rb", 5, None)
    assert eps[("POST", "/api/articles")].auth == "before_action :authenticate_user!"
    assert eps[("POST", "/api/articles/{slug}/publish")].handler == "articles#publish"
    assert eps[("DELETE", "/api/session")].handler == "sessions#destroy"
    assert eps[("GET", "/api/stats")].handler == "reports#stats"
    admin = eps[("POST", "/admin/users")]
    assert (admin.handler, admin.handler_file, admin.auth) == (
        "admin/users#create", "app/controllers/admin/users_controller.rb", "before_action :require_admin")
    assert warnings == []


def test_laravel_provider_prefix_groups_resources_auth_and_an_unloaded_file(make_repo):
    root = make_repo({
        "composer.json": '{"autoload": {"psr-4": {"App\\\\": "app/"}}}',
        "app/Providers/RouteServiceProvider.php": """<?php
namespace App\\Providers;
use Illuminate\\Support\\Facades\\Route;
class RouteServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        $this->routes(function () {
            Route::middleware('api')->prefix('api/v1')->group(base_path('routes/api.php'));
            Route::middleware('web')->group(base_path('routes/web.php'));
        });
    }
}
""",
        "routes/api.php": """<?php
use App\\Http\\Controllers\\PostController;
use Illuminate\\Support\\Facades\\Route;

Route::get('posts/{post}', [PostController::class, 'show']);
Route::middleware('auth:sanctum')->prefix('me')->group(function () {
    Route::apiResource('posts', PostController::class)->only(['store', 'destroy']);
    Route::match(['put', 'patch'], 'profile', [PostController::class, 'profile']);
});
""",
        "routes/web.php": "<?php\nuse Illuminate\\Support\\Facades\\Route;\nRoute::get('/', fn () => view('welcome'));\n",
        "routes/legacy.php": "<?php\nuse Illuminate\\Support\\Facades\\Route;\nRoute::get('old', 'OldController@index');\n",
        "app/Http/Controllers/PostController.php": """<?php
namespace App\\Http\\Controllers;
class PostController extends Controller
{
    public function show($post) {}
    public function store() {}
    public function destroy($post) {}
    public function profile() {}
}
""",
    })
    eps, _ = read_endpoints("laravel", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/api/v1/posts/{post}"), ("POST", "/api/v1/me/posts"),
                    ("DELETE", "/api/v1/me/posts/{post}"), ("PUT", "/api/v1/me/profile"),
                    ("PATCH", "/api/v1/me/profile"), ("GET", "/")}
    show = eps[("GET", "/api/v1/posts/{post}")]
    assert (show.handler, show.handler_file, show.handler_line, show.auth) == (
        "PostController@show", "app/Http/Controllers/PostController.php", 5, None)
    assert eps[("DELETE", "/api/v1/me/posts/{post}")].auth == "auth:sanctum"
    assert eps[("DELETE", "/api/v1/me/posts/{post}")].handler == "PostController@destroy"
    assert eps[("GET", "/old")].dead


def test_rails_optional_segments_and_redirects(make_repo):
    root = make_repo({"config/routes.rb": """Rails.application.routes.draw do
  get "/top(/:length(/page/:page))" => "home#top"
  get "/comments/rss", to: redirect("/comments.rss")
end
"""})
    eps, _ = read_endpoints("rails", root)
    assert set(eps) == {("GET", "/top"), ("GET", "/top/{length}"), ("GET", "/top/{length}/page/{page}"),
                        ("GET", "/comments/rss")}
    assert eps[("GET", "/top/{length}/page/{page}")].handler == "home#top"
    assert eps[("GET", "/comments/rss")].handler == "redirect or Rack endpoint"


def test_rails_and_laravel_routes_in_loops_are_read_or_warned(make_repo):
    rails = make_repo({"config/routes.rb": """Rails.application.routes.draw do
  %w[about privacy].each do |page|
    get page, to: "pages#show"
    get "/static/help", to: "pages#help"
  end
end
"""})
    eps, warnings = read_endpoints("rails", rails)
    assert set(eps) == {("GET", "/static/help")}
    assert [w.reason for w in warnings] == ["rails: route path is not a literal"]
    laravel = make_repo({"routes/api.php": """<?php
use Illuminate\\Support\\Facades\\Route;
foreach (['a', 'b'] as $name) {
    Route::get("{$name}/x", 'XController@show');
}
"""})
    eps, warnings = read_endpoints("laravel", laravel)
    assert eps == {} and [(w.path, w.line) for w in warnings] == [("routes/api.php", 4)]
