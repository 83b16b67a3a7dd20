// GraphiQL for BlobHub Realtime: the IDE, its docs explorer and history, wired to this server by
// fetcher.js. Bundled at build time with esbuild (CMakeLists.txt) and embedded in the binary.
import './workers.js';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createFetcher } from './fetcher.js';

const DEFAULT_QUERY = `# BlobHub Realtime. Credentials go in the Headers pane below:
#   {"x-api-key": "<keyId>.<secret>"}
#   {"x-token-id": "<id>", "x-token-secret": "<secret>"}
#   {"Authorization": "Bearer <JWT>"}
# sent as HTTP headers for queries and as connectionParams
# for subscriptions. Run one operation with the play button.

query Viewer {
  viewer { kind organizations { id slug } }
}

subscription Blobs {
  blobs {
    mutation
    node { id name description }
    updatedFields
    cursor
  }
}
`;

const DEFAULT_HEADERS = `{
  // "x-api-key": "<keyId>.<secret>"
}`;

const fetcher = createFetcher();
createRoot(document.getElementById('root')).render(
  <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultHeaders={DEFAULT_HEADERS} />,
);
