// Introspects a running server with graphql-js's standard introspection query (what GraphiQL,
// graphql-codegen and graphql-inspector send) under the server's default limits, and checks
// that the schema it describes is the one in schema.graphql.
import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  GraphQLSchema,
  lexicographicSortSchema,
  printSchema,
} from "graphql";

const [url, sdlPath] = process.argv.slice(2);
// Each query, and whether it asks for the schema's description and the scalars' specifications.
const queries = {
  "graphql-js defaults": [getIntrospectionQuery(), false],
  "graphql-js, every option": [getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  }), true],
};
const file = lexicographicSortSchema(buildSchema(readFileSync(sdlPath, "utf8")));
const withoutDescription = new GraphQLSchema({ ...file.toConfig(), description: undefined });
let failed = false;
for (const [name, [query, described]] of Object.entries(queries)) {
  const expected = described
    ? printSchema(file)
    : printSchema(withoutDescription).replace(/ @specifiedBy\(url: "[^"]*"\)/g, "");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, operationName: "IntrospectionQuery" }),
  });
  const body = await response.json();
  if (response.status !== 200 || body.errors) {
    console.error(`${name}: HTTP ${response.status}`, JSON.stringify(body.errors));
    failed = true;
    continue;
  }
  const served = printSchema(lexicographicSortSchema(buildClientSchema(body.data)));
  if (served !== expected) {
    const a = served.split("\n");
    const b = expected.split("\n");
    const at = a.findIndex((line, i) => line !== b[i]);
    console.error(`${name}: the introspected schema differs from schema.graphql at line ${at + 1}:`);
    console.error(`  served:   ${a[at]}\n  expected: ${b[at]}`);
    failed = true;
    continue;
  }
  console.log(`ok  ${name}: introspection matches schema.graphql (${served.split("\n").length} lines)`);
}
process.exit(failed ? 1 : 0);
