// Runs one evaluate or submit through Fabric's official Node client (@hyperledger/fabric-gateway),
// so the Python tests can check that our client and the official one agree on the wire.
// Reads a JSON request on stdin, prints one JSON result on stdout.
//   {"address", "tlsRootCert", "mspId", "cert", "key", "channel", "chaincode",
//    "mode": "evaluate"|"submit", "function", "args": [string]}
import { readFileSync } from 'node:fs';
import { connectOfficial } from './official-gateway.mjs';

const request = JSON.parse(readFileSync(0, 'utf8'));
const { client, gateway } = connectOfficial(request, {
  evaluate: 10_000, endorse: 30_000, submit: 10_000, commitStatus: 60_000,
});
const decoder = new TextDecoder();

try {
  const contract = gateway.getNetwork(request.channel).getContract(request.chaincode);
  if (request.mode === 'evaluate') {
    const result = await contract.evaluateTransaction(request.function, ...request.args);
    console.log(JSON.stringify({ result: decoder.decode(result) }));
  } else {
    const submitted = await contract.submitAsync(request.function, { arguments: request.args });
    const status = await submitted.getStatus();
    console.log(JSON.stringify({
      result: decoder.decode(submitted.getResult()),
      txId: submitted.getTransactionId(),
      code: status.code,
      successful: status.successful,
      block: Number(status.blockNumber),
    }));
  }
} catch (err) {
  const details = (err.details ?? []).map((d) => ({ address: d.address, mspId: d.mspId, message: d.message }));
  console.log(JSON.stringify({ error: { name: err.name, message: err.message, details } }));
  process.exitCode = 1;
} finally {
  gateway.close();
  client.close();
}
