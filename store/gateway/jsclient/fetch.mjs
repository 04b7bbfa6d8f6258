// fetch.mjs fetches IPFS URLs with @helia/verified-fetch from one trustless gateway and prints
// one JSON line per URL: status, content type, length, SHA-256 and (up to 64 KiB) the body in
// base64. verified-fetch checks every block it gets against its CID; the caller checks the rest.
//
//   node --import ./polyfill.mjs fetch.mjs http://127.0.0.1:8080 'ipfs://bafy…' 'ipfs://bafy…/path|application/vnd.ipld.raw'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { createHash } from 'node:crypto'

const [gateway, ...requests] = process.argv.slice(2)
const verifiedFetch = await createVerifiedFetch({ gateways: [gateway], routers: [] })
try {
  for (const req of requests) {
    const [url, accept] = req.split('|')
    const headers = accept ? { accept } : {}
    const res = await verifiedFetch(url, { headers, signal: AbortSignal.timeout(60000) })
    const body = Buffer.from(await res.arrayBuffer())
    console.log(JSON.stringify({
      url,
      status: res.status,
      type: res.headers.get('content-type'),
      length: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      body: body.length <= 65536 ? body.toString('base64') : null
    }))
  }
} finally {
  await verifiedFetch.stop()
}
