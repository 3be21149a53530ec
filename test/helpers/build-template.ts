console.log('template')
