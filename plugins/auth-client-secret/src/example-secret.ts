import type { LoadedClient } from './client-store.js';
import { verifySecret } from './secret-hash.js';

/** The secret the shipped example client files (configs/clients) and the DSP seed's examples use. */
const exampleSecrets = ['password'];

/** Whether a client's secret is a published example one: anyone who read the docs can act as it. */
export async function usesExampleSecret(entry: LoadedClient): Promise<boolean> {
  const plaintext = entry.client.client_secret;
  if (plaintext !== undefined) return exampleSecrets.includes(plaintext);
  for (const secret of exampleSecrets) if (await verifySecret(secret, entry.hash)) return true;
  return false;
}

export const exampleSecretWarning =
  'uses the published example secret (configs/clients/README.md): anyone can act as this client; ' +
  'give it its own secret (`gateway hash-secret`) or delete the file before deploying';

export const exampleSecretRefusal =
  'uses the published example secret (configs/clients/README.md), so anyone could act as this client: refused; ' +
  'give it its own secret (`gateway hash-secret`), or set allowExampleSecret (DSP_ALLOW_EXAMPLE_SECRET=true) ' +
  'for a local demo or test only';
