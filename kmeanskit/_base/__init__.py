"""What every layer may use: argument checks, errors, warnings, random
generators and progress reports.  Imports nothing else of kmeanskit."""
