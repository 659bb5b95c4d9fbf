// Runs the CSAF reference validator (BSI's @secvisogram/csaf-validator-lib) over a batch of CSAF 2.0 documents.
// Reads a JSON array of documents on stdin; writes a JSON array with one result per document, in order:
//   {"valid": bool, "failures": [{"test": name, "messages": ["instancePath: message", ...]}]}
// A document is valid when the strict schema test, every mandatory test and the optional tests below pass.
// The optional tests only ever warn, so here a warning of one of them is a failure. One process for the batch:
// Node starts once, however many documents the tests hand over.
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import validate from '@secvisogram/csaf-validator-lib/validate.js'

// The optional tests that judge choices the project makes: 6.2.5 initial release date vs the revision history,
// 6.2.11 canonical URL, 6.2.13 sorting of keys. Each is imported alone: the lib's optionalTests.js loads all twenty
// (about 3 s, more than the rest of the validator together).
const OPTIONAL = ['optionalTest_6_2_5', 'optionalTest_6_2_11', 'optionalTest_6_2_13']
const optional = await Promise.all(
  OPTIONAL.map(async (name) => {
    const test = (await import(`@secvisogram/csaf-validator-lib/lib/optionalTests/${name}.js`)).default
    if (typeof test !== 'function' || test.name !== name) throw new Error(`the validator lib has no ${name}`)
    return test
  })
)

const tests = [csaf_2_0_strict, ...Object.values(mandatory), ...optional]

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const documents = JSON.parse(Buffer.concat(chunks).toString('utf8'))
if (!Array.isArray(documents)) throw new Error('expected a JSON array of CSAF documents on stdin')

const describe = (found) => `${found.instancePath || '(document)'}: ${found.message}`

const results = []
for (const document of documents) {
  const outcome = await validate(tests, document)
  const failures = []
  for (const test of outcome.tests) {
    const messages = [...test.errors]
    if (OPTIONAL.includes(test.name)) messages.push(...test.warnings)
    if (!test.isValid || messages.length) {
      failures.push({ test: test.name, messages: messages.map(describe) })
    }
  }
  results.push({ valid: failures.length === 0, failures })
}
process.stdout.write(JSON.stringify(results))
