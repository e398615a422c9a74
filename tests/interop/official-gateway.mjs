// Connects Fabric's official Node client (@hyperledger/fabric-gateway) as one identity, for the
// interop test (official-client.mjs) and the side-by-side benchmark (bench/official-bench.mjs).
// Lives beside the node_modules it imports from.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';

// cfg: {address, tlsRootCert, serverName?, mspId, cert, key}; deadlines in ms per call kind.
export function connectOfficial(cfg, deadlines) {
  const options = {};
  if (cfg.serverName) {
    options['grpc.ssl_target_name_override'] = cfg.serverName;
    options['grpc.default_authority'] = cfg.serverName;
  }
  const client = new grpc.Client(cfg.address, grpc.credentials.createSsl(readFileSync(cfg.tlsRootCert)), options);
  const gateway = connect({
    client,
    identity: { mspId: cfg.mspId, credentials: readFileSync(cfg.cert) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(cfg.key))),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + deadlines.evaluate }),
    endorseOptions: () => ({ deadline: Date.now() + deadlines.endorse }),
    submitOptions: () => ({ deadline: Date.now() + deadlines.submit }),
    commitStatusOptions: () => ({ deadline: Date.now() + deadlines.commitStatus }),
  });
  return { client, gateway };
}
