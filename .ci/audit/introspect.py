"""Introspects a running server with graphql-core's standard introspection query (what Python
clients such as gql and ariadne's tooling send) under the server's default limits, and checks
that the schema it describes is the one in schema.graphql."""

import json
import sys
import urllib.request

from graphql import (
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)


def main(url: str, sdl_path: str) -> int:
    query = get_introspection_query()
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query, "operationName": "IntrospectionQuery"}).encode(),
        headers={
            "content-type": "application/json",
            "accept": "application/graphql-response+json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        status = response.status
        body = json.load(response)
    if status != 200 or body.get("errors"):
        print(f"graphql-core defaults: HTTP {status}", json.dumps(body.get("errors")), file=sys.stderr)
        return 1
    served = print_schema(lexicographic_sort_schema(build_client_schema(body["data"])))
    with open(sdl_path, encoding="utf-8") as sdl:
        file = lexicographic_sort_schema(build_schema(sdl.read()))
    # The default query asks neither the schema's description nor the scalars' specifications.
    file.description = None
    expected = print_schema(file)
    expected = "\n".join(
        line.split(" @specifiedBy(")[0] if " @specifiedBy(" in line else line
        for line in expected.split("\n")
    )
    if served != expected:
        a, b = served.split("\n"), expected.split("\n")
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        print(f"graphql-core defaults: the introspected schema differs at line {at + 1}:", file=sys.stderr)
        print(f"  served:   {a[at] if at < len(a) else '<end>'}", file=sys.stderr)
        print(f"  expected: {b[at] if at < len(b) else '<end>'}", file=sys.stderr)
        return 1
    lines = len(served.split("\n"))
    print(f"ok  graphql-core defaults: introspection matches schema.graphql ({lines} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
