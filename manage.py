#!/usr/bin/env python3
from sanzhi.cli import main

if __name__ == "__main__":
    main()
