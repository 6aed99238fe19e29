"""ASP.NET Core reader: attribute-routed controllers and minimal APIs in fixture projects."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints


def test_aspnet_controllers_tokens_inheritance_authorize_and_models(make_repo):
    root = make_repo({
        "Api/Controllers/ApiControllerBase.cs": """using Microsoft.AspNetCore.Mvc;
namespace Shop.Api;
[ApiController]
[Route("api/v{version}/[controller]")]
public abstract class ApiControllerBase : ControllerBase { }
""",
        "Api/Controllers/OrdersController.cs": """using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
namespace Shop.Api;

[Authorize(Roles = "Clerk")]
public class OrdersController : ApiControllerBase
{
    [HttpGet("{id:int}")]
    [AllowAnonymous]
    public async Task<ActionResult<OrderDto>> GetAsync(int id) => null;

    [HttpPost]
    public IActionResult Create([FromBody] CreateOrder command) => Ok();

    [HttpDelete("/orders/{id}")]
    public Task Delete(int id) => Task.CompletedTask;

    public void NotAnAction() { }
}
""",
        "Api/Controllers/ReportsController.cs": """using Microsoft.AspNetCore.Mvc;
namespace Shop.Api;
[Route("reports")]
public class ReportsController
{
    [HttpGet("[action]")]
    public ReportDto Daily() => null;
}
""",
    })
    eps, _ = read_endpoints("aspnet", root)
    assert set(eps) == {("GET", "/api/v{version}/Orders/{id}"), ("POST", "/api/v{version}/Orders"),
                        ("DELETE", "/orders/{id}"), ("GET", "/reports/Daily")}
    get = eps[("GET", "/api/v{version}/Orders/{id}")]
    assert (get.handler, get.handler_file, get.auth, get.response) == (
        "OrdersController.GetAsync", "Api/Controllers/OrdersController.cs", None, "OrderDto")
    create = eps[("POST", "/api/v{version}/Orders")]
    assert (create.auth, create.request, create.response) == ('[Authorize(Roles = "Clerk")]', "CreateOrder", None)
    assert eps[("GET", "/reports/Daily")].response == "ReportDto" and eps[("GET", "/reports/Daily")].auth is None


def test_aspnet_minimal_api_groups_extension_methods_authorization_and_a_dead_extension(make_repo):
    root = make_repo({
        "Program.cs": """var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => "hello");
var api = app.MapGroup("/api");
api.MapGroup("/todos").MapTodos();
app.MapPost("/login", Login).AllowAnonymous();

app.Run();

static IResult Login() => Results.Ok();
""",
        "Todos/TodoEndpoints.cs": """public static class TodoEndpoints
{
    public static RouteGroupBuilder MapTodos(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1");
        group.RequireAuthorization();
        group.MapGet("/{id:int}", async (int id) => Results.Ok());
        group.MapMethods("/{id}/archive", new[] { "PUT", "PATCH" }, Archive);
        return group;
    }

    public static void MapLegacy(this IEndpointRouteBuilder routes)
    {
        routes.MapDelete("/legacy/{id}", (int id) => Results.Ok());
    }

    static IResult Archive(int id) => Results.Ok();
}
""",
    })
    eps, _ = read_endpoints("aspnet", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/"), ("GET", "/api/todos/v1/{id}"), ("PUT", "/api/todos/v1/{id}/archive"),
                    ("PATCH", "/api/todos/v1/{id}/archive"), ("POST", "/login")}
    todo = eps[("GET", "/api/todos/v1/{id}")]
    assert (todo.auth, todo.handler, todo.handler_file, todo.framework) == (
        "RequireAuthorization()", "lambda", "Todos/TodoEndpoints.cs", "aspnet-minimal")
    archive = eps[("PUT", "/api/todos/v1/{id}/archive")]
    assert (archive.handler, archive.handler_file) == ("Archive", "Todos/TodoEndpoints.cs")
    assert eps[("POST", "/login")].auth is None and eps[("GET", "/")].auth is None
    assert eps[("DELETE", "/legacy/{id}")].dead


def test_aspnet_slugified_tokens_endpoint_classes_and_interface_registered_routes(make_repo):
    root = make_repo({
        "Web/Program.cs": """var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMvc(options =>
{
    options.Conventions.Add(new RouteTokenTransformerConvention(new SlugifyParameterTransformer()));
});
var app = builder.Build();
app.MapEndpoints();
app.Run();
""",
        "Web/SlugifyParameterTransformer.cs": """using System.Text.RegularExpressions;
public class SlugifyParameterTransformer : IOutboundParameterTransformer
{
    public string? TransformOutbound(object? value)
    {
        if (value == null) { return null; }
        return Regex.Replace(value.ToString()!, "([a-z])([A-Z])", "$1-$2").ToLower();
    }
}
""",
        "Web/Controllers/AccountSettingsController.cs": """using Microsoft.AspNetCore.Mvc;
[Route("[controller]/[action]")]
public class AccountSettingsController : Controller
{
    [HttpGet]
    public IActionResult ChangePassword() => View();
}
""",
        "Web/Endpoints/AuthenticateEndpoint.cs": """using Ardalis.ApiEndpoints;
public class AuthenticateEndpoint : EndpointBaseAsync
    .WithRequest<AuthenticateRequest>
    .WithActionResult<AuthenticateResponse>
{
    [HttpPost("api/authenticate")]
    public override async Task<ActionResult<AuthenticateResponse>> HandleAsync(AuthenticateRequest request) => null;
}
""",
        "Web/Endpoints/ListBrandsEndpoint.cs": """public class ListBrandsEndpoint : IEndpoint<IResult>
{
    public void AddRoute(IEndpointRouteBuilder app)
    {
        app.MapGet("api/brands", async () => Results.Ok());
    }
}
""",
    })
    eps, warnings = read_endpoints("aspnet", root)
    assert set(eps) == {("GET", "/account-settings/change-password"), ("POST", "/api/authenticate"),
                        ("GET", "/api/brands")}
    assert eps[("POST", "/api/authenticate")].response == "AuthenticateResponse"
    assert not eps[("GET", "/api/brands")].dead  # AddRoute is called through IEndpoint by MapEndpoints()
    assert warnings == []
