"""gRPC reader: services, rpcs and grpc-gateway HTTP rules from .proto files, with its own tokenizer."""

from __future__ import annotations

from tests.services.analyzers._api_helpers import read_endpoints

PROTO = """syntax = "proto3";
package shop.v1; // the package qualifies every service

import "google/api/annotations.proto";

/* messages are skipped by the parser { with braces } */
message GetItemRequest { string name = 1; map<string, int32> tags = 2; }

service ItemService {
  option (google.api.default_host) = "shop.example.com";
  rpc GetItem(GetItemRequest) returns (Item) {
    option (google.api.http) = {
      get: "/v1/{name=shops/*/items/*}"
      additional_bindings { post: "/v1/items:lookup" body: "*" }
    };
  }
  rpc Watch(stream WatchRequest) returns (stream .shop.v1.Event);
  rpc Ping(Empty) returns (Empty) { option (google.api.http) = { custom: { kind: "HEAD" path: "/v1/ping" } }; }
}
"""


def test_grpc_rpcs_and_gateway_http_rules(make_repo):
    root = make_repo({"proto/shop/v1/items.proto": PROTO,
                      "third_party/google/api/http.proto": "service Http { rpc X(A) returns (B); }\n"})
    eps, warnings = read_endpoints("grpc", root)
    assert set(eps) == {("RPC", "/shop.v1.ItemService/GetItem"), ("RPC", "/shop.v1.ItemService/Watch"),
                        ("RPC", "/shop.v1.ItemService/Ping"), ("GET", "/v1/{name}"), ("POST", "/v1/items:lookup"),
                        ("HEAD", "/v1/ping")}
    rpc = eps[("RPC", "/shop.v1.ItemService/GetItem")]
    assert (rpc.framework, rpc.request, rpc.response, rpc.line) == ("grpc", "GetItemRequest", "Item", 11)
    watch = eps[("RPC", "/shop.v1.ItemService/Watch")]
    assert (watch.request, watch.response) == ("WatchRequest", "shop.v1.Event")
    http = eps[("GET", "/v1/{name}")]
    assert (http.framework, http.handler, http.params, http.line) == ("grpc-gateway", "ItemService.GetItem", ["name"], 13)
    assert warnings == []


def test_grpc_unreadable_proto_is_a_warning(make_repo):
    root = make_repo({"api.proto": 'syntax = "proto3";\nservice S {\n  rpc A(Req) returns (Resp);\n  option x = "open\n}\n'})
    eps, warnings = read_endpoints("grpc", root)
    assert eps == {}
    assert len(warnings) == 1 and warnings[0].path == "api.proto" and "unterminated string" in warnings[0].reason
