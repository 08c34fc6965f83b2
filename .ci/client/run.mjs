// Against a running server: Apollo Client 4's PersistedQueryLink round trip (hash only →
// PERSISTED_QUERY_NOT_FOUND → hash and text → hash only again), the client build's trusted
// documents sent by id, and the bytes a phone sends for the morning list each way.
// Usage: node run.mjs <graphql url> <admin e-mail> <admin password>
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { print } from "graphql";

const [url, email, password] = process.argv.slice(2);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const post = async (body, token) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return response.json();
};
const fail = (message) => {
  console.error(`FAIL ${message}`);
  process.exit(1);
};

const login = await post({
  query: "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
  variables: { e: email, p: password },
});
const token = login.data?.login?.accessToken ?? fail(`sign-in: ${JSON.stringify(login)}`);

// 1. Automatic persisted queries through Apollo's own link.
const sent = [];
const recordingFetch = async (input, init) => {
  sent.push(JSON.parse(init.body));
  return fetch(input, init);
};
const client = new ApolloClient({
  // The client preset's documents carry their manifest hash in `__meta__`; others are hashed.
  link: new PersistedQueryLink({ generateHash: (document) => document.__meta__?.hash ?? sha256(print(document)) }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
  ),
  cache: new InMemoryCache(),
});
const Me = gql`
  query WhoAmI {
    me { id displayName }
  }
`;
const first = await client.query({ query: Me, fetchPolicy: "network-only" });
const second = await client.query({ query: Me, fetchPolicy: "network-only" });
if (!first.data?.me?.id || second.data?.me?.id !== first.data.me.id) fail(`APQ answers: ${JSON.stringify([first, second])}`);
const shapes = sent.map((body) => (body.query ? "hash+text" : "hash"));
if (shapes.join(",") !== "hash,hash+text,hash") fail(`APQ requests were ${shapes.join(",")}`);
console.log(`ok  Apollo PersistedQueryLink: ${shapes.join(" → ")}`);

// 2. The client build's trusted documents, sent by id (registered with
//    `salesgraph documents register gql/persisted-documents.json` before this runs).
const manifest = JSON.parse(readFileSync(new URL("./gql/persisted-documents.json", import.meta.url)));
const [hash, text] = Object.entries(manifest).find(([, document]) => document.includes("query MorningList")) ?? fail("no MorningList in the manifest");
if (sha256(text) !== hash) fail("the manifest's hash is not the document's SHA-256");
const variables = { date: "2026-12-04" };
const byId = await post({ documentId: `sha256:${hash}`, variables }, token);
if (!Array.isArray(byId.data?.myVisitTasks)) fail(`by id: ${JSON.stringify(byId)}`);
const Morning = gql(text);
Morning.__meta__ = { hash };
sent.length = 0;
const byHash = await client.query({ query: Morning, variables, fetchPolicy: "network-only" });
if (!Array.isArray(byHash.data?.myVisitTasks)) fail(`by hash: ${JSON.stringify(byHash)}`);
// Registered ahead of time: the first, hash-only request is enough.
if (sent.length !== 1 || sent[0].query) fail(`trusted by hash took ${sent.length} requests`);
console.log("ok  trusted documents: the morning list runs by documentId and by Apollo's hash");

// 3. What a phone sends for the morning list.
const bytes = (body) => Buffer.byteLength(JSON.stringify(body));
const full = bytes({ operationName: "MorningList", variables, query: text });
const id = bytes({ documentId: `sha256:${hash}`, variables });
const apq = bytes({ operationName: "MorningList", variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
console.log(`ok  morning list request body: ${full} bytes with the text, ${apq} with Apollo's hash, ${id} by documentId`);
