// The typed public API of resilient-php-worker. Kept by hand, like automerge's
// index.d.ts; the wire format it describes is defined in src/protocol.rs.

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | (string & {});

export interface PlaygroundRequest {
  method?: HttpMethod;
  /** Absolute URL, or a path under the site URL, e.g. "/site/index.php". */
  url: string;
  headers?: Record<string, string>;
  body?: ArrayBuffer | ArrayBufferView | string | null;
}

export interface WorkerConfig {
  /**
   * Application profile. Default "moodle".
   * - "moodle": the embedded Moodle-shaped stand-in (demo-site.zip), not Moodle;
   * - "moodle45": real Moodle 4.5, from the bundle scripts/moodle/build-bundle.sh
   *   builds out of your own release (MOODLE_SOURCE);
   * - "mediawiki": MediaWiki 1.39 from Debian (scripts/mediawiki/build-bundle.sh).
   */
  profile?: 'moodle' | 'moodle45' | 'mediawiki';
  /** Absolute URL the site is served under ($CFG->wwwroot). Default "http://localhost/site". */
  siteUrl?: string;
  /** URL of the site bundle: a zip of the webroot, unpacked into it at every boot. */
  bundleUrl?: string;
  /** Honour inject-fault (debug only). Default false. */
  debug?: boolean;
  /** Extra php.ini entries. */
  phpIni?: Record<string, string>;
  /** Restart intensity: at most maxRestarts restarts within restartPeriodSeconds. Defaults 5 and 60. */
  maxRestarts?: number;
  restartPeriodSeconds?: number;
  /** Rotate the runtime after N healthy requests; 0 = never. Default 400. */
  rotateAfterRequests?: number;
  /** Rotate when PHP's linear memory exceeds this many MiB; 0 = never. Default 1024. */
  rotateAboveMemoryMib?: number;
  /** Last-known-good DB checkpoints. Default "incremental". */
  checkpoint?: 'incremental' | 'full' | 'off';
  /** Keep a warm standby runtime, so recoveries and rotations wait for no bootstrap. Default true. */
  standby?: boolean;
  /** Name of the site's save in OPFS (restored at boot, saved after changes); empty or absent: no save. */
  store?: string;
  /**
   * A blueprint (www/blueprints/schema.json): run once on a fresh site after
   * its first boot, not when a save was restored. Checked whole first; the
   * outcome is `ready.blueprint`.
   */
  blueprint?: Blueprint;
  /** Run the application's cron after this many seconds without a request, one task per slice; 0 = never. Default 60. */
  cronIdleSeconds?: number;
}

/** A blueprint: see www/blueprints/schema.json for every step and its fields. */
export interface Blueprint {
  version: 1;
  title?: string;
  /** Substituted as {{NAME}} in every string of the steps and landingPage. */
  constants?: Record<string, string | number>;
  landingPage?: string;
  steps: Array<{ step: string; [field: string]: unknown }>;
}

export interface BlueprintReport {
  /** done: every step ran; failed: stopped at failedStep (not saved); refused: invalid, nothing ran; not-run: a save was restored. */
  state: 'done' | 'failed' | 'refused' | 'not-run';
  title: string; steps: number; stepsRun: number;
  failedStep: string | null; error: string | null; landingPage: string | null; ms: number;
}

export interface CronSummary {
  lastRunAtMs: number | null; lastDid: string[]; pending: number; slices: number; longestSliceMs: number; error: string | null;
}

export type Stage = 'downloading' | 'instantiating' | 'bootstrapping' | 'snapshotting' | 'restoring' | 'reregistering' | 'replaying' | 'blueprint' | 'cron';
export type FaultKind =
  | 'memory-out-of-bounds' | 'unreachable' | 'bad-indirect-call' | 'aborted' | 'wasm-trap'
  | 'stack-exhausted' | 'file-descriptors-exhausted' | 'runtime-files-missing' | 'runtime-crashed';

export interface ProgressEvent { type: 'progress'; stage: Stage; fraction: number; detail: string }
export interface ReadyEvent { type: 'ready'; phpVersion: string; bootMs: number; restart: boolean; restored: SaveSummary | null; blueprint: BlueprintReport | null }
export interface ErrorEvent { type: 'error'; id?: number; message: string }
export interface CrashEvent { type: 'crash'; kind: FaultKind; message: string; method: string; url: string }
export interface RecoveredEvent {
  type: 'recovered'; ms: number; restoredFiles: number; restoredBytes: number; replayed: boolean;
  dataSource: 'snapshot' | 'checkpoint' | 'fresh-install'; dataLoss: string | null;
}
export interface FailedEvent { type: 'failed'; reason: string }
export interface RotatingEvent { type: 'rotating'; reason: 'requests' | 'memory' }
export interface RotatedEvent { type: 'rotated'; ms: number }
export interface TraceEvent { type: 'trace'; message: string }
export interface StatusEvent {
  type: 'status'; state: 'booting' | 'serving' | 'failed'; reason: string | null; phpVersion: string;
  requestsServed: number; crashRestarts: number; rotations: number; requestsUntilRotation: number | null;
  memoryBytes: number; rotateAboveMemoryBytes: number;
  lastRecoveryMs: number | null; snapshotFiles: number; snapshotBytes: number; trackedPlugins: string[];
  standby: 'off' | 'preparing' | 'ready' | 'unavailable'; standbyMemoryBytes: number;
  store: 'off' | 'unsaved' | 'saving' | 'saved' | 'failing' | 'refused';
  lastSave: SaveSummary | null; lastSaveMs: number | null; storeError: string | null;
  cron: CronSummary | null;
}
export type WorkerEvent =
  | ProgressEvent | ReadyEvent | ErrorEvent | CrashEvent | RecoveredEvent | FailedEvent
  | RotatingEvent | RotatedEvent | TraceEvent | StatusEvent;

export interface WorkerClient {
  /** Serves a request through PHP; resolves with a fetch Response. */
  handleRequest(request: PlaygroundRequest): Promise<Response>;
  /** Accepted once; boot starts on it. Requests sent earlier wait. */
  configure(config: WorkerConfig): void;
  /** Subscribe to one event type, or "*" for all; returns an unsubscribe function. */
  on<T extends WorkerEvent['type']>(type: T, listener: (event: Extract<WorkerEvent, { type: T }>) => void): () => void;
  on(type: '*', listener: (event: WorkerEvent) => void): () => void;
  /** Debug only: a real fault in the PHP instance. */
  injectFault(fault: 'memory' | 'table' | 'stack' | 'boot' | 'replay' | 'write-trigger' | 'torn-db'): void;
  /** Fresh runtime from the last snapshot, fresh restart budget (the way out of Failed). */
  restart(): void;
  /** Resolves with the first ready event. */
  readonly ready: Promise<ReadyEvent>;
  /** Requests not sent again (poison requests: one that hung or was served when the worker died). */
  quarantined(): { key: string; reason: string; atMs: number }[];
  /** Lets a quarantined request ("GET /site/x/loop.php") be sent again. */
  release(key: string): void;
  /** Stops the worker for good (no fresh one); waiting and later requests get a 503 with `reason`. */
  terminate(reason?: string): void;
  /** Resolves once every save the worker handed over has been written (or failed): wait for it before replacing the site's save. */
  savesLanded(): Promise<void>;
}

/** Events the client emits itself, beside the worker's. */
export declare const ClientEvent: Readonly<{ respawned: 'respawned'; quarantine: 'quarantine' }>;

export interface WorkerClientOptions {
  /** Silence allowed while requests wait (default 120 000). */
  requestTimeoutMs?: number;
  /** Silence allowed while the worker boots (default 120 000). */
  bootSilenceMs?: number;
  /** Starts a fresh Worker: a hung or dead one is terminated and replaced, configured as it was. */
  respawn?: (() => Worker) | null;
  /** Fresh workers in a row that answered nothing before the worker counts as dead (default 3). */
  maxRespawns?: number;
  /** Writes the saves the worker hands over (a worker configured with `store`): createSaveWriter(createSiteStore()). Without one, saves fail and the status says so. */
  saveWriter?: SaveWriter | null;
}

/** Writes saves one after another, in the order handed over (www/store/save-writer.js). */
export interface SaveWriter {
  write(save: { site: string; seq: number; manifestJson: string; chunks: [string, ArrayBuffer][] }): Promise<{ writeMs: number; names: string[] }>;
  settled(): Promise<void>;
}
export function createSaveWriter(store: ReturnType<typeof createSiteStore>): SaveWriter;

export function createWorkerClient(worker: Worker, options?: WorkerClientOptions): WorkerClient;
export function createPlaygroundWorker(): Worker;
/** What connectServiceWorker resolves with: this page's own site, under ./site/<its client id>. */
export interface ServiceWorkerSite {
  /** Absolute URL of this page's site, no trailing slash: pass it to `configure({ siteUrl })`. */
  siteUrl: string;
  /** Its path, e.g. "/site/<id>": point the iframe at `${sitePath}/index.php`. */
  sitePath: string;
  /** This page's Service Worker client id (the id in the URL is an encoding of it). */
  clientId: string;
}
/**
 * Registers the Service Worker (sw.js) for ./site/ so an iframe can browse the site.
 * Call it before `configure`: the site URL names this page, so the Service Worker
 * sends the iframe's requests to this tab's worker only (one site per tab).
 */
export function connectServiceWorker(client: WorkerClient, swUrl: string): Promise<ServiceWorkerSite>;
export declare const ToWorker: Readonly<Record<string, string>>;
export declare const FromWorker: Readonly<Record<string, string>>;
/** URL of the Moodle-shaped demo site bundle shipped with the package. */
export declare const demoSiteBundleUrl: string;

/** One save of the site. */
export interface SaveSummary { savedAtMs: number; request: number; bytes: number; files: number }

/** The site's saves in OPFS (www/store/site-store.js): the worker loads at boot, the page saves (createSaveWriter), resets, exports, imports. */
export function createSiteStore(): {
  load(site: string): Promise<{ manifestJson: string; files: [string, Uint8Array][] } | null>;
  save(site: string, manifestJson: string, newChunks: [string, Uint8Array | ArrayBuffer][]): Promise<void>;
  remove(site: string): Promise<void>;
  /** The site's newest save as one zip, or null when it has none. */
  exportZip(site: string): Promise<{ zip: Uint8Array; name: string; manifest: object } | null>;
  /** Checks a site zip whole (throws SiteZipError, writing nothing) and writes it as the site's newest save. Stop the site's worker first. */
  importZip(site: string, zip: Uint8Array, options: { profile: string }): Promise<object>;
};
/** A site zip that is refused: `message` says why. */
export declare class SiteZipError extends Error {}
/** Reads and checks a site zip for `profile` (throws SiteZipError). */
export function readSiteZip(zip: Uint8Array, expected: { profile: string }): Promise<{ manifest: object; files: [string, Uint8Array][]; chunks: Map<string, Uint8Array> }>;
