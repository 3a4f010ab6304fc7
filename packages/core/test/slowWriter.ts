import * as net from "node:net"

/**
 * A raw HTTP/1.1 client that declares `total` bytes, writes them in pieces with pauses (a slow uplink) and only
 * then reads the answer, which it returns as raw text. A server that answers and closes while the body is still
 * arriving makes these writes fail (EPIPE/ECONNRESET): the promise then rejects instead of returning the answer.
 */
export const postWhileWriting = (options: {
  readonly url: string
  readonly headers: Record<string, string>
  readonly total: number
  readonly piece: number
  readonly pauseMs: number
}): Promise<string> => {
  const { hostname, port, pathname } = new URL(options.url)
  return new Promise<string>((resolve, reject) => {
    // allowHalfOpen: like an HTTP client, it goes on writing after the server's FIN.
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true }, async () => {
      const headers = Object.entries(options.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("")
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\n${headers}content-length: ${options.total}\r\n\r\n`
      )
      const piece = "x".repeat(options.piece)
      for (let sent = 0; sent < options.total; sent += piece.length) {
        if (socket.destroyed) return
        if (!socket.write(piece)) await new Promise((r) => socket.once("drain", r))
        await new Promise((r) => setTimeout(r, options.pauseMs))
      }
      socket.end()
    })
    let received = ""
    socket.on("data", (chunk) => {
      received += chunk.toString()
    })
    socket.on("error", reject)
    socket.on("close", () => resolve(received))
    setTimeout(() => socket.destroy(), 20_000).unref()
  })
}
