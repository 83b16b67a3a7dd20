// urql: queries over HTTP (fetchExchange), subscriptions through subscriptionExchange, which
// hands them to a graphql-ws client. Both carry the same credential.
import { Client, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.BLOBHUB_URL ?? 'http://localhost:4000';
const credentials = { 'x-api-key': process.env.BLOBHUB_API_KEY };

const ws = createClient({ url: `${base.replace(/^http/, 'ws')}/v1/graphql`, webSocketImpl: WebSocket, connectionParams: credentials });
const client = new Client({
  url: `${base}/v1/graphql`,
  fetchOptions: { headers: credentials },
  preferGetMethod: false, // queries as POST, like the other clients
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
});

const viewer = await client.query(gql`{ viewer { kind id organizations { slug } } }`, {}).toPromise();
if (viewer.error) throw viewer.error;
console.log(JSON.stringify({ viewer: viewer.data.viewer }));

const BLOBS = gql`
  subscription Blobs($after: Cursor) {
    blobs(after: $after) { mutation node { id name description } updatedFields cursor }
  }
`;
client.subscription(BLOBS, { after: process.env.BLOBHUB_AFTER || null }).subscribe(({ data, error }) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(JSON.stringify(data.blobs));
});
