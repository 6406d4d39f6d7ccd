document.getElementById("app")!.textContent = "Flamingo";
