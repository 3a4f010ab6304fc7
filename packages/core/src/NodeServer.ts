import type { IncomingMessage, Server, ServerResponse } from "node:http"

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
