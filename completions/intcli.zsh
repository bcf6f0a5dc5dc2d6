
#compdef intcli

_intcli_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _INTCLI_COMPLETE=complete_zsh intcli)
}

compdef _intcli_completion intcli

