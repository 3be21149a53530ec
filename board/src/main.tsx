/** The board's entry: the stylesheet (bundled beside the script) and the app, drawn into #app. */
import './board.css'
import { render } from 'preact'
import { App } from './app.tsx'

const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(<App />, root)
}
