// FAILSMALL_BOOTSTRAP_TOKEN: the admin token a fresh embedded database can be administered with over HTTP
// (PGlite allows one process, so the admin CLI cannot open it while the server runs). The secret is the one
// an operator chooses, so it is refused when weak; and it is the one current bootstrap token: starting with
// a new secret revokes the tokens earlier secrets created (rotating it is how a leaked one is disabled).
import type { AddressingService } from '../addressing/service.js';
import { hashToken } from '../api/auth.js';
import { weakSecret } from '../lib/secret-strength.js';
import type { OpenedStore } from '../store/harness.js';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';

const actor = {
  kind: 'cli' as const,
  id: 'cli:bootstrap',
  account_id: null,
  scopes: ['admin' as const],
  request_id: 'bootstrap',
};

export async function bootstrapAdmin(
  service: AddressingService,
  opened: OpenedStore,
  secret: string | undefined,
): Promise<void> {
  if (!secret) return;
  const weak = weakSecret(secret);
  if (weak !== undefined) throw new Error(`FAILSMALL_BOOTSTRAP_TOKEN ${weak}`);
  const hash = hashToken(secret);
  const current = await opened.store.tokenByHash(hash);
  const global = await service.tokens.list(actor, null);
  for (const t of global) {
    if (t.name === BOOTSTRAP_TOKEN_NAME && t.revoked_at === null && t.id !== current?.id) {
      await service.tokens.revoke(actor, t.id);
    }
  }
  if (current) return;
  await service.tokens.create(actor, {
    account_id: null,
    name: BOOTSTRAP_TOKEN_NAME,
    scopes: ['admin'],
    token_hash: hash,
  });
}
