// What a screen of the mobile app does with the generated types: compiled with `tsc --strict`
// so that a schema change that breaks a client's expectations fails here.
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import {
  CustomerCardDocument,
  MorningListDocument,
  PipelineDocument,
  type MorningListQuery,
} from "./gql/graphql";

export function makeClient(uri: string, token: string, hashOf: (query: unknown) => string) {
  const persisted = new PersistedQueryLink({ generateHash: (document) => hashOf(document) });
  return new ApolloClient({
    link: persisted.concat(
      new HttpLink({ uri, headers: { authorization: `Bearer ${token}` } }),
    ),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { opportunities: { keyArgs: false } } } },
    }),
  });
}

/// The first stop of the day: the customer's name and the deal's amount, both optional.
export function firstStop(data: MorningListQuery): { customer: string; amount: string | null } | null {
  const task = data.myVisitTasks[0];
  if (!task) return null;
  return { customer: task.customer?.name ?? "(no longer yours)", amount: task.opportunity?.amount ?? null };
}

export async function morning(client: ApolloClient) {
  const result = await client.query({ query: MorningListDocument, variables: { date: "2026-12-04" } });
  return result.data ? firstStop(result.data) : null;
}

export async function card(client: ApolloClient, id: string) {
  const result = await client.query({ query: CustomerCardDocument, variables: { id } });
  // A lookup is nullable: a customer handed to a colleague is `null`.
  const customer = result.data?.customer;
  return customer ? `${customer.name} (${customer.owner?.displayName ?? "unowned"})` : null;
}

export async function firstPage(client: ApolloClient) {
  const result = await client.query({ query: PipelineDocument, variables: { first: 20 } });
  const page = result.data?.opportunities;
  return page ? { total: page.totalCount, names: page.nodes.map((deal) => deal.name) } : null;
}
