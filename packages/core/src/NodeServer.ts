import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Socket } from "node:net"

/**
 * Lets a node server answer a request whose body it stopped reading early — over the size limit (413), too slow
 * (408) — instead of resetting the connection. @effect/platform destroys the request stream when it stops reading
 * a body, and destroying an unfinished request destroys its socket before the answer is written: the client saw a
 * reset and the log a status nobody received. Here that destroy only stops reading and buffering; once the answer
 * is sent, what is left of the body is read and thrown away (as Node does for a body nobody read), and the
 * connection closes if the answer said `Connection: close`. A request whose client went away is destroyed as before.
 */
export const answerBeforeBodyEnds = (server: Server): Server => {
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    const destroy = req.destroy.bind(req)
    req.destroy = ((error?: Error) => {
      if (req.complete || req.socket.destroyed || res.writableFinished) return destroy(error)
      req.removeAllListeners("data")
      req.pause()
      res.once("finish", () => req.resume())
      res.once("close", () => {
        if (!res.writableFinished) destroy(error)
      })
      return req
    }) as typeof req.destroy
  })
  return server
}

/** What a drain did, for the shutdown log: how many requests were in flight when it began, and how many were cut. */
export interface DrainReport {
  inFlight: number
  cut: number
}

/**
 * A node server (answering as {@link answerBeforeBodyEnds} does) whose close() drains: in-flight requests finish,
 * idle keep-alive sockets are reaped as they go quiet (otherwise close waits seconds for clients to hang up: 3.4 s
 * → 0.36 s measured on the sandbox), and after `graceMs`, when given, whatever is left is cut off. The numbers land
 * in `report`. `requestTimeoutMs` bounds how long a client may take to send its request (slow-loris). The sandbox
 * and the proxy serve on it.
 */
export const drainingServer =
  (options: { readonly graceMs?: number; readonly requestTimeoutMs?: number; readonly report?: DrainReport } = {}) =>
  (): Server => {
    const server = answerBeforeBodyEnds(createServer({ keepAliveTimeout: 5_000 }))
    if (options.requestTimeoutMs !== undefined) {
      server.requestTimeout = options.requestTimeoutMs + 5_000
      server.headersTimeout = Math.min(60_000, server.requestTimeout)
    }
    let active = 0
    server.on("request", (_req, res) => {
      active++
      res.once("close", () => active--)
    })
    // Connections that have not sent a byte yet: node's closeIdleConnections leaves them open (a browser opens
    // spare ones ahead of time), so close() would wait the whole grace period for them. Nothing read = no request
    // half-received, so they are closed at once. (bytesRead, not a 'data' listener: one would take the socket off
    // the parser's fast path.)
    const sockets = new Set<Socket>()
    server.on("connection", (socket: Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    const reapIdle = () => {
      server.closeIdleConnections()
      for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy()
    }
    const close = server.close.bind(server)
    server.close = ((callback?: (error?: Error) => void) => {
      if (options.report) options.report.inFlight = active
      close(callback)
      reapIdle()
      const reap = setInterval(reapIdle, 50)
      const deadline =
        options.graceMs === undefined
          ? undefined
          : setTimeout(() => {
              if (options.report) options.report.cut = active
              server.closeAllConnections()
            }, options.graceMs)
      server.once("close", () => {
        clearInterval(reap)
        clearTimeout(deadline)
      })
      return server
    }) as typeof server.close
    return server
  }
