// Apollo Client: queries go over HTTP (HttpLink), subscriptions over graphql-ws (GraphQLWsLink);
// a split link picks the transport per operation. Both carry the same credential.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.BLOBHUB_URL ?? 'http://localhost:4000';
const credentials = { 'x-api-key': process.env.BLOBHUB_API_KEY };

const httpLink = new HttpLink({ uri: `${base}/v1/graphql`, headers: credentials });
const wsLink = new GraphQLWsLink(
  createClient({ url: `${base.replace(/^http/, 'ws')}/v1/graphql`, webSocketImpl: WebSocket, connectionParams: credentials }),
);
const client = new ApolloClient({
  link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), wsLink, httpLink),
  cache: new InMemoryCache(),
});

const { data } = await client.query({ query: gql`{ viewer { kind id organizations { slug } } }` });
console.log(JSON.stringify({ viewer: data.viewer }));

const BLOBS = gql`
  subscription Blobs($after: Cursor) {
    blobs(after: $after) { mutation node { id name description } updatedFields cursor }
  }
`;
client.subscribe({ query: BLOBS, variables: { after: process.env.BLOBHUB_AFTER || null } }).subscribe({
  next: ({ data, error }) => (error ? console.error(error) : console.log(JSON.stringify(data.blobs))),
  error: (err) => {
    console.error(err);
    process.exit(1);
  },
});
