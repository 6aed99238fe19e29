"""Spring MVC/WebFlux reader on Java and Kotlin fixture projects."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints

BASE = "src/main/java/com/example/shop/"


def test_spring_java_class_and_method_mappings_constants_auth_models_and_context_path(make_repo):
    root = make_repo({
        "src/main/resources/application.yml": "server:\n  servlet:\n    context-path: /shop\n",
        "src/main/resources/application-dev.yml": "server:\n  servlet:\n    context-path: /dev\n",
        BASE + "Paths.java": """package com.example.shop;
public final class Paths {
    public static final String API = "/api";
    public static final String ORDERS = API + "/orders";
}
""",
        BASE + "OrderController.java": """package com.example.shop;

import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping(Paths.ORDERS)
public class OrderController {
    @GetMapping({"", "/all"})
    public List<OrderDto> list() { return null; }

    @GetMapping(path = "/{id:\\\\d+}")
    public ResponseEntity<OrderDto> get(@PathVariable Long id) { return null; }

    @PostMapping
    @PreAuthorize("hasRole('ADMIN')")
    public ResponseEntity<OrderDto> create(@Valid @RequestBody CreateOrder body) { return null; }

    @RequestMapping(value = "/{id}/cancel", method = {RequestMethod.PUT, RequestMethod.PATCH})
    public void cancel(@PathVariable Long id) { }
}
""",
        BASE + "Legacy.java": """package com.example.shop;
import org.springframework.web.bind.annotation.*;
@RequestMapping("/legacy")
public class Legacy {
    @GetMapping("/ping")
    public String ping() { return "pong"; }
}
""",
        BASE + "ItemsApi.java": """package com.example.shop;
import org.springframework.web.bind.annotation.*;
@RequestMapping("/api/items")
public interface ItemsApi {
    @DeleteMapping("/{itemId}")
    void delete(@PathVariable String itemId);
}
""",
        BASE + "ItemsController.java": """package com.example.shop;
import org.springframework.security.access.annotation.Secured;
import org.springframework.web.bind.annotation.*;
@RestController
@Secured("ROLE_USER")
public class ItemsController implements ItemsApi {
    public void delete(String itemId) { }
}
""",
    })
    eps, warnings = read_endpoints("spring", root)
    live = {k for k, e in eps.items() if not e.dead}
    assert live == {("GET", "/shop/api/orders"), ("GET", "/shop/api/orders/all"), ("GET", "/shop/api/orders/{id}"),
                    ("POST", "/shop/api/orders"), ("PUT", "/shop/api/orders/{id}/cancel"),
                    ("PATCH", "/shop/api/orders/{id}/cancel"), ("DELETE", "/shop/api/items/{itemId}")}
    create = eps[("POST", "/shop/api/orders")]
    assert (create.auth, create.request, create.response) == ("@PreAuthorize(hasRole('ADMIN'))", "CreateOrder",
                                                               "OrderDto")
    assert create.handler == "OrderController.create" and create.handler_file == BASE + "OrderController.java"
    assert eps[("GET", "/shop/api/orders")].auth is None and eps[("GET", "/shop/api/orders")].response == "List<OrderDto>"
    assert eps[("PUT", "/shop/api/orders/{id}/cancel")].response is None
    item = eps[("DELETE", "/shop/api/items/{itemId}")]
    assert (item.handler, item.handler_file, item.auth) == ("ItemsController.delete", BASE + "ItemsController.java",
                                                            "@Secured(ROLE_USER)")
    assert eps[("GET", "/shop/legacy/ping")].dead
    assert warnings == []


def test_spring_kotlin_controller_with_companion_constant(make_repo):
    root = make_repo({
        "src/main/kotlin/com/example/UserController.kt": """package com.example

import org.springframework.web.bind.annotation.*

@RestController
@RequestMapping(UserController.BASE)
class UserController(private val users: UserService) {
    @GetMapping("/{id}")
    fun get(@PathVariable id: Long): ResponseEntity<UserDto> = TODO()

    @PostMapping(value = ["", "/register"])
    @PreAuthorize("isAuthenticated()")
    fun create(@RequestBody body: NewUser): UserDto = TODO()

    companion object {
        const val BASE = "/api/users"
    }
}
""",
    })
    eps, _ = read_endpoints("spring", root)
    assert set(eps) == {("GET", "/api/users/{id}"), ("POST", "/api/users"), ("POST", "/api/users/register")}
    assert eps[("GET", "/api/users/{id}")].response == "UserDto" and eps[("GET", "/api/users/{id}")].auth is None
    create = eps[("POST", "/api/users/register")]
    assert (create.request, create.response, create.auth) == ("NewUser", "UserDto",
                                                              "@PreAuthorize(isAuthenticated())")


def test_spring_security_request_matchers_give_auth_in_order(make_repo):
    root = make_repo({
        BASE + "SecurityConfig.java": """package com.example.shop;
import static org.springframework.http.HttpMethod.GET;
import org.springframework.http.HttpMethod;
@Configuration
public class SecurityConfig {
    @Bean
    SecurityFilterChain chain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(r -> r
                .requestMatchers(GET, "/books/**").permitAll()
                .requestMatchers(HttpMethod.DELETE, "/books/*").hasRole("ADMIN")
                .anyRequest().authenticated());
        return http.build();
    }
    @Bean
    WebSecurityCustomizer ignore() {
        return web -> web.ignoring().requestMatchers(HttpMethod.POST, "/login");
    }
}
""",
        BASE + "BookController.java": """package com.example.shop;
import org.springframework.web.bind.annotation.*;
@RestController
@RequestMapping("/books")
public class BookController {
    @GetMapping("/{id}") public Book get(@PathVariable long id) { return null; }
    @DeleteMapping("/{id}") public void delete(@PathVariable long id) { }
    @PostMapping public Book create(@RequestBody Book book) { return null; }
    @PostMapping("/login") public String notTheLogin() { return ""; }
}
""",
        BASE + "LoginController.java": """package com.example.shop;
import org.springframework.web.bind.annotation.*;
@RestController
public class LoginController {
    @PostMapping("/login") public String login() { return ""; }
}
""",
    })
    eps, _ = read_endpoints("spring", root)
    assert eps[("GET", "/books/{id}")].auth is None
    assert eps[("DELETE", "/books/{id}")].auth == 'security: hasRole("ADMIN")'
    assert eps[("POST", "/books")].auth == "security: authenticated"
    assert eps[("POST", "/books/login")].auth == "security: authenticated"
    assert eps[("POST", "/login")].auth is None  # web.ignoring()
