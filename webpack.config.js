// Builds the playground page into dist/ (`npm run build`), or, with
// `--env testHost`, the PHP host as an ES module that the wasm-pack browser
// tests import from a URL (target/test-host/).
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';

const root = path.dirname(fileURLToPath(import.meta.url));
const DEMO_SITE = path.join(root, 'www/demo-site');

// Only PHP 8.3 is imported (from @php-wasm/web-8-3), so only its wasm is emitted.
// The .so/.dat files are PHP extensions and data that @php-wasm loads by URL.
const assetRules = [{ test: /\.(wasm|so|dat)$/, type: 'asset/resource' }];

/**
 * Emits the embedded demo site as demo-site.zip, the bundle the worker loads.
 * The bench emits another one (`asset`) with its own pages added under `extra.under`.
 */
class DemoSiteBundlePlugin {
  constructor({ asset = 'demo-site.zip', extra = null } = {}) {
    this.asset = asset;
    this.extra = extra;
  }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('DemoSiteBundlePlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'DemoSiteBundlePlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const files = {};
        const add = (dir, under) => {
          for (const file of listFiles(dir)) {
            files[path.posix.join(under, path.relative(dir, file).split(path.sep).join('/'))] = fs.readFileSync(file);
            compilation.fileDependencies.add(file);
          }
        };
        add(DEMO_SITE, '');
        if (this.extra) add(path.join(root, this.extra.dir), this.extra.under);
        compilation.emitAsset(this.asset, new compiler.webpack.sources.RawSource(Buffer.from(zipSync(files))));
      });
    });
  }
}

/** Zips one folder of the repo (under a top folder, as plugin zips are) into the output. */
class ZipFolderPlugin {
  constructor({ asset, dir, under }) { Object.assign(this, { asset, dir: path.join(root, dir), under }); }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('ZipFolderPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'ZipFolderPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const files = {};
        for (const file of listFiles(this.dir)) {
          files[path.posix.join(this.under, path.relative(this.dir, file).split(path.sep).join('/'))] = fs.readFileSync(file);
          compilation.fileDependencies.add(file);
        }
        compilation.emitAsset(this.asset, new compiler.webpack.sources.RawSource(Buffer.from(zipSync(files))));
      });
    });
  }
}

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

/** Copies static files (the page itself) into the output. */
class CopyStaticPlugin {
  constructor(files) { this.files = files; }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyStaticPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyStaticPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const file of this.files) {
          const full = path.join(root, 'www', file);
          compilation.fileDependencies.add(full);
          compilation.emitAsset(file, new compiler.webpack.sources.RawSource(fs.readFileSync(full)));
        }
      });
    });
  }
}

const common = {
  mode: 'production',
  devtool: false,
  module: { rules: assetRules },
  resolve: { fallback: { worker_threads: false } },
  performance: { hints: false },
};

const page = {
  ...common,
  entry: {
    main: './www/index.js',
    sw: './www/sw.js',
    // `npm run bench` only (scripts/bench.js): a measuring page, not part of the playground.
    'bench/bench-page': './www/bench/bench-page.js',
  },
  output: { path: path.join(root, 'dist'), filename: '[name].js', publicPath: 'auto', clean: true },
  plugins: [
    new DemoSiteBundlePlugin(),
    new DemoSiteBundlePlugin({ asset: 'bench/bench-site.zip', extra: { dir: 'www/bench/php', under: 'bench' } }),
    // The blueprint gallery: its recipes, their schema, the plugin one installs.
    new ZipFolderPlugin({ asset: 'blueprints/plugins/local_hello.zip', dir: 'www/blueprints/plugins/hello', under: 'hello' }),
    new CopyStaticPlugin(['index.html', 'style.css', 'bench/index.html',
      ...fs.readdirSync(path.join(root, 'www/blueprints')).filter((name) => name.endsWith('.json')).map((name) => `blueprints/${name}`)]),
  ],
};

const testHost = {
  ...common,
  entry: { 'php-host': './www/php-host.js' },
  experiments: { outputModule: true },
  output: {
    path: path.join(root, 'target/test-host'),
    filename: '[name].mjs',
    publicPath: 'auto',
    library: { type: 'module' },
    clean: true,
  },
  plugins: [new DemoSiteBundlePlugin()],
};

export default (env = {}) => (env.testHost ? testHost : page);
