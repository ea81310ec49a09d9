// Two bundles from one source tree: the extension (vscode external) and the CLI.
const path = require('path');
const common = {
  target: 'node',
  devtool: 'nosources-source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: { rules: [{ test: /\.ts$/, exclude: /node_modules/, use: { loader: 'ts-loader', options: { transpileOnly: true } } }] },
  // ssh2's optional native accelerators are loaded in try/catch; leave them out of the bundle.
  externals: { vscode: 'commonjs vscode', 'cpu-features': 'commonjs cpu-features', './crypto/build/Release/sshcrypto.node': 'commonjs ./crypto/build/Release/sshcrypto.node' },
  output: { path: path.resolve(__dirname, 'dist'), libraryTarget: 'commonjs2' },
  performance: { hints: false },
  node: { __dirname: false },
};
module.exports = [
  { ...common, entry: { extension: './src/extension.ts' } },
  // The upload verifier runs in a worker thread from its own file (src/backend/marketplace/uploadCheck.ts).
  { ...common, entry: { cli: './src/cli/main.ts', 'verify-worker': './src/backend/marketplace/verify-worker.ts' } },
];
