// graphql-codegen with the client preset, pointed at the running server as a new front-end
// team would point it (the schema by introspection from the URL), writing the typed documents
// and the persisted-documents manifest of this client build.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: process.env.SALESGRAPH_URL ?? "http://127.0.0.1:8080/graphql",
  documents: ["operations/*.graphql"],
  generates: {
    "gql/": {
      preset: "client",
      // SHA-256 ids, as the server expects (the preset's default is SHA-1).
      presetConfig: { persistedDocuments: { hashAlgorithm: "sha256" } },
      config: {
        scalars: { DateTime: "string", Date: "string", Decimal: "string", Upload: "File" },
        strictScalars: true,
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
