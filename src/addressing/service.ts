// The addressing service: every read and change of desired state goes through here, from the HTTP API,
// the admin CLI and jobs alike. One service per aggregate (accounts, tokens, prefixes, BGP prefixes,
// bindings, delegations), composed over one access checker (tenancy, then scope) and one transaction
// runner (one transaction per change, its audit entry inside it, listeners after the commit).

import type { Clock } from '../lib/clock.js';
import { AccessChecker, type Level } from './access.js';
import { AccountService, TokenService } from './accounts.js';
import { type AnnounceSpace, DEFAULT_ANNOUNCE_SPACE } from './announce-space.js';
import { BgpPrefixService } from './bgp-prefixes.js';
import { BindingService } from './bindings.js';
import { DelegationService } from './delegations.js';
import type { Actor, AuditEntry, DesiredState, Page, PageOf } from './model.js';
import { NO_EVIDENCE, type OwnershipEvidence } from './ownership.js';
import type { AddressingStore, ChangeListener, IdSource } from './ports.js';
import { PrefixService } from './prefixes.js';
import { QuotaChecker, type Quotas } from './quotas.js';
import { RecoveryService } from './recovery.js';
import { type ServiceDeps, Transactions } from './transactions.js';

export type { AdvertisementStatus, EditBgpPrefixInput } from './bgp-prefixes.js';
export type { ApproveLoaInput, CreatePrefixInput, DeletePreconditions, EditPrefixInput } from './prefixes.js';

export class AddressingService {
  readonly accounts: AccountService;
  readonly tokens: TokenService;
  readonly prefixes: PrefixService;
  readonly bgp: BgpPrefixService;
  readonly bindings: BindingService;
  readonly delegations: DelegationService;
  /** Desired state back to a known-good snapshot: the operator's reject and bulk actions (issue 10). */
  readonly recovery: RecoveryService;
  private readonly d: ServiceDeps;

  /**
   * `ownership`: the evidence validation may use (configured VRPs, IRR route objects) and the space that
   * may be announced. Without it nothing but an operator's LOA approval proves a prefix, and
   * special-purpose space is refused (DEFAULT_ANNOUNCE_SPACE).
   */
  constructor(
    store: AddressingStore,
    clock: Clock,
    ids: IdSource,
    ownership: { evidence?: OwnershipEvidence; space?: AnnounceSpace } = {},
  ) {
    this.d = {
      tx: new Transactions(store, clock, ids),
      access: new AccessChecker(),
      quotas: new QuotaChecker(),
      ownership: { evidence: ownership.evidence ?? NO_EVIDENCE, space: ownership.space ?? DEFAULT_ANNOUNCE_SPACE },
    };
    this.accounts = new AccountService(this.d);
    this.tokens = new TokenService(this.d);
    this.prefixes = new PrefixService(this.d);
    this.bgp = new BgpPrefixService(this.d);
    this.bindings = new BindingService(this.d);
    this.delegations = new DelegationService(this.d);
    this.recovery = new RecoveryService(this.d);
  }

  /** The space the compiler may announce (the same the service validates against). */
  get announceSpace(): AnnounceSpace {
    return this.d.ownership.space;
  }

  /** Per-account quotas (DEFAULT_QUOTAS); the composition root or a test may set others. */
  get quotas(): Quotas {
    return this.d.quotas.limits;
  }
  set quotas(q: Quotas) {
    this.d.quotas.limits = { ...q };
  }

  /** Called after every committed change (not for reads, not after a rollback). */
  onChange(listener: ChangeListener): void {
    this.d.tx.onChange(listener);
  }

  /** 404 unless the actor may see the account; 403 unless it has the scope for `level`. */
  async checkAccount(actor: Actor, accountId: string, level: Level): Promise<void> {
    await this.d.tx.read((tx) => this.d.access.account(tx, actor, accountId, level));
  }

  /**
   * The account's audit log, newest first: changes of its data (whoever made them, e.g. a delegated
   * account binding inside its prefix) and changes its own actors made elsewhere.
   */
  async listAudit(actor: Actor, accountId: string, page: Page): Promise<PageOf<AuditEntry>> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      return tx.listAudit(accountId, page);
    });
  }

  /**
   * The audit entries of no account (what global operator and admin tokens did outside any account:
   * accounts created, global tokens minted and revoked), for global admins only.
   */
  async listGlobalAudit(actor: Actor, page: Page): Promise<PageOf<AuditEntry>> {
    this.d.access.admin(actor);
    this.d.access.sameAccount(actor, null, 'read the audit log of');
    return this.d.tx.read((tx) => tx.listAudit(null, page));
  }

  /**
   * The whole desired state in one consistent read, for the snapshot compiler. Not tied to an actor:
   * it is called by the control plane itself, never through the HTTP API.
   */
  async exportDesiredState(): Promise<DesiredState> {
    return this.d.tx.store.transaction(async (tx) => ({ read_at: this.d.tx.now(), ...(await tx.readDesiredState()) }), {
      snapshot: true,
    });
  }
}
