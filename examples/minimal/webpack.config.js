// Builds the minimal example against the package installed by path.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

class CopyHtmlPlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('CopyHtmlPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyHtmlPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        compilation.emitAsset('index.html', new compiler.webpack.sources.RawSource(fs.readFileSync(path.join(here, 'index.html'))));
      });
    });
  }
}

export default {
  mode: 'production',
  context: here,
  entry: { main: './main.js' },
  output: { path: path.join(here, 'dist'), filename: '[name].js', publicPath: 'auto', clean: true },
  // The PHP wasm, its extensions and data are fetched by URL at run time.
  module: { rules: [{ test: /\.(wasm|so|dat)$/, type: 'asset/resource' }] },
  resolve: { fallback: { worker_threads: false } },
  performance: { hints: false },
  plugins: [new CopyHtmlPlugin()],
};
