// Worker-thread entry for TypeScript modules: registers tsx in this thread, then loads the
// module named in workerData. (Loader flags in a worker's execArgv are not honoured by Node 20.)
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.tsModule)
