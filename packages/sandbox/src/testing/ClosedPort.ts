import { createServer } from "node:http"
import * as Effect from "effect/Effect"
import { runPromise } from "../Scoped.js"
import { listenOnLoopback } from "./Receiver.js"

/** A port of 127.0.0.1 nothing listens on (bound, then closed): a dead receiver or upstream. */
export const closedPort = (): Promise<number> => runPromise(Effect.scoped(listenOnLoopback(createServer())))
