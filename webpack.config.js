// One compilation for the extension, the CLI and the upload verifier's worker, so the modules they share
// (xmldom, xml-crypto, ssh2, yaml, the backend) are emitted once, in chunks, rather than in each bundle.
// The extension's areas are loaded on first use through import() (src/ui/commandTable.ts, src/ui/register.ts):
// ts-loader keeps import() as it is (module: esnext) so webpack makes each a chunk that activation never loads.
const path = require('path');
module.exports = {
  target: 'node',
  devtool: 'nosources-source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: { rules: [{ test: /\.ts$/, exclude: /node_modules/, use: { loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { module: 'esnext', moduleResolution: 'node' } } } }] },
  // ssh2's optional native accelerators are loaded in try/catch; leave them out of the bundle.
  externals: { vscode: 'commonjs vscode', 'cpu-features': 'commonjs cpu-features', './crypto/build/Release/sshcrypto.node': 'commonjs ./crypto/build/Release/sshcrypto.node' },
  // The upload verifier runs in a worker thread from its own file (src/backend/marketplace/uploadCheck.ts).
  entry: { extension: './src/extension.ts', cli: './src/cli/main.ts', 'verify-worker': './src/backend/marketplace/verify-worker.ts' },
  output: { path: path.resolve(__dirname, 'dist'), libraryTarget: 'commonjs2', chunkFilename: 'chunk-[id].js', clean: true },
  optimization: { splitChunks: { chunks: 'all' } },
  performance: { hints: false },
  node: { __dirname: false },
};
