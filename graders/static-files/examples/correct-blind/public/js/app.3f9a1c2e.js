console.log("fingerprinted: cache me forever");
